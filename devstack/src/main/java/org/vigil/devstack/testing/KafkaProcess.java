package org.vigil.devstack.testing;

import java.nio.file.Path;
import java.util.List;

import org.vigil.devstack.embedded.EmbeddedKafka;
import org.vigil.devstack.embedded.TopicAdmin;
import org.vigil.devstack.embedded.WanSecurity;

/**
 * A Kafka broker (KRaft) in a JVM of its own, so a fault test can kill it with SIGKILL and start it again on the same
 * data: {@code java -cp … org.vigil.devstack.testing.KafkaProcess <dir> <port> <controllerPort>}. Prints
 * {@code KAFKA READY} once it serves. With {@code --member}, one broker of a {@link KafkaQuorum}; with
 * {@code --site <id>}, a site node's broker, its WAN listener secured ({@link WanSecurity}, files beside {@code dir}
 * in {@code site-link/}) and Vigil's topics made.
 */
public final class KafkaProcess {

    private KafkaProcess() {
    }

    public static void main(String[] args) throws Exception {
        List<String> a = new java.util.ArrayList<>(List.of(args));
        String site = null;
        int siteAt = a.indexOf("--site");
        if (siteAt >= 0) {
            if (a.size() < siteAt + 2) {
                usage();
            }
            site = a.get(siteAt + 1);
            a.subList(siteAt, siteAt + 2).clear();
        }
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
        // a site node's broker: its WAN listener secured as the launcher secures it, and Vigil's topics made here
        WanSecurity security = site == null ? null
                : WanSecurity.createOrLoad(Path.of(a.get(0)).toAbsolutePath().resolveSibling("site-link"), site);
        EmbeddedKafka kafka = new EmbeddedKafka(Path.of(a.get(0)), Integer.parseInt(a.get(1)),
                Integer.parseInt(a.get(2)), a.size() == 4 ? a.get(3) : null, quorum, security);
        kafka.start();
        if (site != null) {
            TopicAdmin.ensureTopics(kafka.bootstrapServers(), (short) 1, java.time.Duration.ofHours(1),
                    java.time.Duration.ofSeconds(60));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close));
        System.out.println("KAFKA READY " + kafka.bootstrapServers());
        System.out.flush();
        Thread.currentThread().join();
    }

    private static void usage() {
        System.err.println("usage: KafkaProcess <dir> <port> <controllerPort> [<bind>:<port>@<advertised>:<port>]"
                + " [--site <id>] [--member <nodeId> <voters> <clusterId>]");
        System.exit(2);
    }
}
