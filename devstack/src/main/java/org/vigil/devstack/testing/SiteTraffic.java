package org.vigil.devstack.testing;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.Box;
import org.vigil.contracts.Json;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.Topics;

/**
 * Motion events as a site's capture writes them, or audit entries as a site's services do ({@code audit} as the
 * last argument), from a process inside the site (a WAN test's namespace): {@code java -cp …
 * org.vigil.devstack.testing.SiteTraffic <bootstrap> <site> <camera> <from> <to> <perSecond> [audit]}. Record
 * {@code i}'s id is {@link #eventId(String, int)}, so a test knows every id without being told. Prints
 * {@code SENT <to>} once Kafka acknowledged them all.
 */
public final class SiteTraffic {

    private SiteTraffic() {
    }

    /** The id of a site's {@code i}-th event. */
    public static String eventId(String site, int i) {
        return UUID.nameUUIDFromBytes((site + "/" + i).getBytes(StandardCharsets.UTF_8)).toString();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 6 && !(args.length == 7 && args[6].equals("audit"))) {
            System.err.println("usage: SiteTraffic <bootstrap> <site> <camera> <from> <to> <perSecond> [audit]");
            System.exit(2);
        }
        boolean audit = args.length == 7;
        String site = args[1];
        String camera = args[2];
        int from = Integer.parseInt(args[3]);
        int to = Integer.parseInt(args[4]);
        long gapNanos = TimeUnit.SECONDS.toNanos(1) / Math.max(1, Integer.parseInt(args[5]));
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", args[0], "acks", "all",
                "enable.idempotence", "true"), new StringSerializer(), new ByteArraySerializer())) {
            long next = System.nanoTime();
            for (int i = from; i < to; i++) {
                Instant now = Instant.now();
                String id = eventId(site, i);
                if (audit) {
                    AuditEntry a = new AuditEntry(AuditEntry.VERSION, id, now, "recorder-service", site + "-admin",
                            "recording.view", "camera:" + camera, site, "success", Map.of("n", Integer.toString(i)));
                    p.send(new ProducerRecord<>(Topics.AUDIT, id, Json.write(a)));
                } else {
                    MotionEvent e = new MotionEvent(MotionEvent.VERSION, id, camera, site, MotionEvent.Phase.START,
                            now, now, 0.3, List.of(new Box(0.1, 0.1, 0.2, 0.2)), null);
                    p.send(new ProducerRecord<>(Topics.MOTION, camera, Json.write(e)));
                }
                next += gapNanos;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // the pace of a camera, not a test's wait
                }
            }
            p.flush();
        }
        System.out.println("SENT " + to);
        System.out.flush();
    }
}
