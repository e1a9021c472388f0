package org.vigil.devstack.testing;

import java.nio.file.Path;

import org.vigil.devstack.embedded.EmbeddedKafka;

/**
 * A Kafka broker (KRaft) in a JVM of its own, so a fault test can kill it with SIGKILL and start it again on the same
 * data: {@code java -cp … org.vigil.devstack.testing.KafkaProcess <dir> <port> <controllerPort>}. Prints
 * {@code KAFKA READY} once it serves.
 */
public final class KafkaProcess {

    private KafkaProcess() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3 && args.length != 4) {
            System.err.println("usage: KafkaProcess <dir> <port> <controllerPort> [<bind>:<port>@<advertised>:<port>]");
            System.exit(2);
        }
        EmbeddedKafka kafka = new EmbeddedKafka(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                args.length == 4 ? args[3] : null);
        kafka.start();
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close));
        System.out.println("KAFKA READY " + kafka.bootstrapServers());
        System.out.flush();
        Thread.currentThread().join();
    }
}
