package org.vigil.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.contracts.Topics;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.embedded.TopicAdmin;
import org.vigil.devstack.testing.KafkaQuorum;
import org.vigil.devstack.testing.SharedServers;

/**
 * Central's Kafka survives losing a broker (issue 20, design 0017 section 4). Three brokers, each a JVM of its own;
 * Vigil's topics with 3 replicas and 2 in sync. The packaged event-service ingests motion events that a producer
 * sends as the services do ({@code acks=all}, idempotent) at 100 a second. Midway the broker leading most of the
 * motion topic's partitions is killed with SIGKILL. Then:
 * <ul>
 * <li>no send fails, and every acknowledged event is stored exactly once (by id);</li>
 * <li>the stall is reported: the longest wait for an acknowledgement, and the longest gap in what event-service
 * stored, against the same figures before the kill;</li>
 * <li>the killed broker, started again, is back in sync on every partition.</li>
 * </ul>
 */
class KafkaQuorumIT {

    /** Its own site on the shared event store: a run's rows are told from an earlier run's. */
    private static final String SITE = "quorum-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    private static final String CAMERA = "cam-quorum";
    private static final int PER_SECOND = 100;
    private static final Duration BEFORE_KILL = Duration.ofSeconds(10);
    private static final Duration AFTER_KILL = Duration.ofSeconds(20);

    private final Path home = Path.of("target", "kafka-quorum-it").toAbsolutePath();
    private final Opened opened = new Opened();

    @AfterEach
    void tearDown() {
        opened.close();
    }

    @Test
    void aBrokerKilledDuringIngestLosesNoAcknowledgedEvent() throws Exception {
        KafkaQuorum kafka = opened.add(KafkaQuorum.start(home, 3));
        TopicAdmin.ensureTopics(kafka.bootstrapServers(), (short) 3, Duration.ofHours(1), Duration.ofSeconds(60));
        kafka.leadersAndInSync(Topics.MOTION).forEach((partition, ids) -> assertThat(ids.subList(1, ids.size()))
                .as("motion partition " + partition + "'s in-sync replicas").hasSize(3));
        try (KafkaProducer<String, byte[]> p = producer(kafka)) {
            p.send(new ProducerRecord<>(Topics.CAMERAS, CAMERA, Json.write(new CameraConfig(1, CAMERA, "Quorum gate",
                    SITE, "test:?size=320x180&fps=10", null, true, 0.5, List.of(), List.of(), Instant.now(), "ada"))))
                    .get(30, TimeUnit.SECONDS);
        }
        String store = SharedServers.postgres().jdbcUrl();
        CentralEvents.start(opened, kafka.bootstrapServers(), SharedServers.postgres().url(),
                home.resolve("event-service.log"), Map.of()).ready();

        // ingest at a steady pace; kill the busiest leader midway
        int[] victim = {-1};
        Instant[] killedAt = {null};
        long[] killNanos = {0};
        int total = (int) (BEFORE_KILL.toSeconds() + AFTER_KILL.toSeconds()) * PER_SECOND;
        PacedMotion.Sent sent = PacedMotion.send(kafka.bootstrapServers(), CAMERA, SITE, PER_SECOND, total,
                (int) BEFORE_KILL.toSeconds() * PER_SECOND, () -> {
                    victim[0] = busiestLeader(kafka);
                    kafka.broker(victim[0]).kill();
                    killedAt[0] = Instant.now();
                    killNanos[0] = System.nanoTime();
                });
        Map<String, Long> ackedAt = sent.ackedAt();
        assertThat(sent.failed()).as("sends that failed with a broker down (2 of 3 replicas remain in sync)").isEmpty();
        assertThat(ackedAt).hasSize(total);

        Stack.await("every acknowledged event stored", Duration.ofSeconds(120),
                () -> PacedMotion.storedIds(store, SITE).size() >= ackedAt.size());
        List<String> stored = PacedMotion.storedIds(store, SITE);
        assertThat(stored).as("no event stored twice").doesNotHaveDuplicates();
        assertThat(new HashSet<>(stored)).as("every acknowledged event stored, and nothing else")
                .isEqualTo(ackedAt.keySet());

        List<Long> acks = ackedAt.values().stream().sorted().toList();
        double ackGapBefore = longestGap(acks.stream().filter(t -> t < killNanos[0]).toList()) / 1e9;
        double ackGapAfter = longestGap(acks.stream().filter(t -> t >= killNanos[0]).toList()) / 1e9;
        double[] storeGaps = storedGaps(store, killedAt[0]);

        // the killed broker comes back and catches up on every partition
        long restart = System.nanoTime();
        kafka.broker(victim[0]).start();
        Stack.await("broker " + victim[0] + " back in sync on every motion partition", Duration.ofSeconds(90), () -> {
            try {
                return kafka.leadersAndInSync(Topics.MOTION).values().stream()
                        .allMatch(ids -> ids.subList(1, ids.size()).size() == 3);
            } catch (Exception e) {
                return false;
            }
        });
        double rejoin = (System.nanoTime() - restart) / 1e9;

        System.out.printf("3 brokers, replication 3, 2 in sync: broker %d (leading the most motion partitions) "
                + "SIGKILLed during ingest at %d events/s; %d of %d acknowledged events stored once, 0 lost, 0 failed "
                + "sends; stall: longest wait for an acknowledgement %.1f s (%.2f s before the kill), longest gap in "
                + "what event-service stored %.1f s (%.2f s before); the broker, started again, was back in sync on "
                + "every partition in %.1f s%n", victim[0], PER_SECOND, stored.size(), ackedAt.size(), ackGapAfter,
                ackGapBefore, storeGaps[1], storeGaps[0], rejoin);
    }

    private static KafkaProducer<String, byte[]> producer(KafkaQuorum kafka) {
        return new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), "acks", "all",
                "enable.idempotence", "true", "linger.ms", "5"), new StringSerializer(), new ByteArraySerializer());
    }

    /** The node that leads the most partitions of the motion topic. */
    private static int busiestLeader(KafkaQuorum kafka) throws Exception {
        Map<Integer, Long> led = new java.util.TreeMap<>();
        kafka.leadersAndInSync(Topics.MOTION).values().forEach(ids -> led.merge(ids.get(0), 1L, Long::sum));
        return led.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    private static long longestGap(List<Long> sorted) {
        long gap = 0;
        for (int i = 1; i < sorted.size(); i++) {
            gap = Math.max(gap, sorted.get(i) - sorted.get(i - 1));
        }
        return gap;
    }

    /** The longest gaps between consecutive stored rows, in seconds: before the kill, and after it. */
    private static double[] storedGaps(String store, Instant killedAt) throws Exception {
        List<Instant> before = new ArrayList<>();
        List<Instant> after = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(store, EmbeddedPostgresServer.SUPERUSER, "");
                ResultSet rs = c.createStatement().executeQuery(
                "select stored_at from events.motion_events where site = '" + SITE + "' order by stored_at")) {
            while (rs.next()) {
                Instant t = rs.getTimestamp(1).toInstant();
                (t.isBefore(killedAt) ? before : after).add(t);
            }
        }
        if (!before.isEmpty()) {
            after.add(0, before.get(before.size() - 1)); // the gap that spans the kill counts as after it
        }
        return new double[] {gapSeconds(before), gapSeconds(after)};
    }

    private static double gapSeconds(List<Instant> sorted) {
        return longestGap(sorted.stream().sorted(Comparator.naturalOrder()).map(t -> t.getEpochSecond()
                * 1_000_000_000L + t.getNano()).toList()) / 1e9;
    }
}
