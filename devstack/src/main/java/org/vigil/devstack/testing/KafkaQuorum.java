package org.vigil.devstack.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.vigil.devstack.embedded.EmbeddedKafka;

/**
 * A Kafka cluster of {@code n} combined brokers and controllers (KRaft), each a {@link KillableKafka} in a JVM of its
 * own, so a fault test can kill one for real while the others carry on (design 0017, section 4). With three or more,
 * Kafka's own topics keep 3 replicas with 2 in sync; create Vigil's with {@code TopicAdmin.ensureTopics(…, 3, …)}.
 */
public final class KafkaQuorum implements AutoCloseable {

    private final List<KillableKafka> brokers;

    private KafkaQuorum(List<KillableKafka> brokers) {
        this.brokers = brokers;
    }

    /** Starts {@code n} brokers under {@code home} (emptied now) together and waits until each serves. */
    public static KafkaQuorum start(Path home, int n) throws Exception {
        int[] ports = new int[n];
        int[] controllers = new int[n];
        StringBuilder voters = new StringBuilder();
        for (int i = 0; i < n; i++) {
            ports[i] = SharedServers.freePort();
            controllers[i] = SharedServers.freePort();
            voters.append(i == 0 ? "" : ",").append(i + 1).append("@127.0.0.1:").append(controllers[i]);
        }
        String clusterId = Uuid.randomUuid().toString();
        List<KillableKafka> brokers = new ArrayList<>();
        KafkaQuorum quorum = new KafkaQuorum(brokers);
        try {
            for (int i = 0; i < n; i++) {
                EmbeddedKafka.Quorum member = new EmbeddedKafka.Quorum(i + 1, voters.toString(), clusterId);
                brokers.add(new KillableKafka(home.resolve("broker-" + (i + 1)), ports[i], controllers[i], List.of(
                        "--member", Integer.toString(member.nodeId()), member.voters(), member.clusterId())));
            }
            for (KillableKafka b : brokers) {
                b.launch(); // a broker serves only once a majority of controllers has elected a leader
            }
            for (KillableKafka b : brokers) {
                b.awaitServing();
            }
            return quorum;
        } catch (Exception | Error e) {
            quorum.close();
            throw e;
        }
    }

    /** Every broker's address, as clients list them. */
    public String bootstrapServers() {
        return brokers.stream().map(KillableKafka::bootstrapServers).collect(Collectors.joining(","));
    }

    /** Broker {@code nodeId} (1 to n). */
    public KillableKafka broker(int nodeId) {
        return brokers.get(nodeId - 1);
    }

    /** For each partition of {@code topic}, the node id of its leader now (-1 for none), and its in-sync replicas. */
    public Map<Integer, List<Integer>> leadersAndInSync(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers(), "request.timeout.ms", 5000,
                "default.api.timeout.ms", 10_000))) {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(15, TimeUnit.SECONDS)
                    .get(topic);
            return d.partitions().stream().collect(Collectors.toMap(p -> p.partition(), p -> {
                List<Integer> ids = new ArrayList<>();
                ids.add(p.leader() == null ? -1 : p.leader().id());
                p.isr().forEach(r -> ids.add(r.id()));
                return ids;
            }));
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (KillableKafka b : brokers) {
            b.close();
        }
    }
}
