package org.vigil.system;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.vigil.contracts.Box;
import org.vigil.contracts.Json;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.Topics;

/**
 * Motion events sent at a steady pace as the services send them ({@code acks=all}, idempotent), keyed over six
 * cameras' worth of keys; a fault is injected before event {@code faultAt}. Returns which Kafka acknowledged, and when.
 */
final class PacedMotion {

    /** A fault a test injects mid-stream (a kill, a promotion). */
    interface Fault {
        void inject() throws Exception;
    }

    /**
     * @param ackedAt each acknowledged event's id and the {@link System#nanoTime()} of its acknowledgement
     * @param failed each failed send's id and why
     */
    record Sent(Map<String, Long> ackedAt, Map<String, Exception> failed) {
    }

    private PacedMotion() {
    }

    static Sent send(String kafka, String camera, String site, int perSecond, int total, int faultAt, Fault fault)
            throws Exception {
        Map<String, Long> acked = new ConcurrentHashMap<>();
        Map<String, Exception> failed = new ConcurrentHashMap<>();
        long started = System.nanoTime();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka, "acks", "all",
                "enable.idempotence", "true", "linger.ms", "5"), new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < total; i++) {
                if (i == faultAt) {
                    fault.inject();
                }
                String id = UUID.randomUUID().toString();
                Instant now = Instant.now();
                MotionEvent e = new MotionEvent(MotionEvent.VERSION, id, camera, site, MotionEvent.Phase.START, now,
                        now, 0.4, List.of(new Box(0.1, 0.1, 0.2, 0.2)), null);
                p.send(new ProducerRecord<>(Topics.MOTION, camera + "-" + (i % 6), Json.write(e)), (m, x) -> {
                    if (x == null) {
                        acked.put(id, System.nanoTime());
                    } else {
                        failed.put(id, x);
                    }
                });
                long wait = started + (i + 1) * (TimeUnit.SECONDS.toNanos(1) / perSecond) - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // the pace of the cameras, not a test's wait
                }
            }
            p.flush();
        }
        return new Sent(acked, failed);
    }

    /** The ids of {@code site}'s motion events stored in the event store at {@code jdbcUrl} (empty until it answers). */
    static List<String> storedIds(String jdbcUrl, String site) {
        List<String> ids = new java.util.ArrayList<>();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(jdbcUrl,
                org.vigil.devstack.embedded.EmbeddedPostgresServer.SUPERUSER, "");
                java.sql.PreparedStatement s = c.prepareStatement(
                        "select event_id from events.motion_events where site = ?")) {
            s.setString(1, site);
            try (java.sql.ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        } catch (java.sql.SQLException e) {
            return List.of(); // not reachable, or the schema is not there yet
        }
        return ids;
    }
}
