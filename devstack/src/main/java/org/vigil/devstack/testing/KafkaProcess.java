package org.vigil.devstack.testing;

import java.nio.file.Path;
import java.util.List;

import org.vigil.devstack.embedded.EmbeddedKafka;

/**
 * A Kafka broker (KRaft) in a JVM of its own, so a fault test can kill it with SIGKILL and start it again on the same
 * data: {@code java -cp … org.vigil.devstack.testing.KafkaProcess <dir> <port> <controllerPort>}. Prints
 * {@code KAFKA READY} once it serves. With {@code --member}, one broker of a {@link KafkaQuorum}.
 */
public final class KafkaProcess {

    private KafkaProcess() {
    }

    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        EmbeddedKafka.Quorum quorum = null;
        int member = a.indexOf("--member");
        if (member >= 0) {
            if (a.size() != member + 4) {
                usage();
            }
            quorum = new EmbeddedKafka.Quorum(Integer.parseInt(a.get(member + 1)), a.get(member + 2),
                    a.get(member + 3));
            a = a.subList(0, member);
        }
        if (a.size() != 3 && a.size() != 4) {
            usage();
        }
        EmbeddedKafka kafka = new EmbeddedKafka(Path.of(a.get(0)), Integer.parseInt(a.get(1)),
                Integer.parseInt(a.get(2)), a.size() == 4 ? a.get(3) : null, quorum);
        kafka.start();
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close));
        System.out.println("KAFKA READY " + kafka.bootstrapServers());
        System.out.flush();
        Thread.currentThread().join();
    }

    private static void usage() {
        System.err.println("usage: KafkaProcess <dir> <port> <controllerPort> [<bind>:<port>@<advertised>:<port>]"
                + " [--member <nodeId> <voters> <clusterId>]");
        System.exit(2);
    }
}
