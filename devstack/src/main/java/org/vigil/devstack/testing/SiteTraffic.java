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

    /**
     * A quiet site's metadata for {@code seconds} ({@code <bootstrap> <site> <cameras> <seconds> idle}): the capacity
     * model's idle rates (design 0017): per camera a segment announcement (about 450 bytes) and a status (about 250) a
     * minute, spread evenly, and the site's recorder's heartbeat every 5 s. Records of those sizes, not valid
     * messages: only their bytes on the link matter.
     */
    static void idle(String bootstrap, String site, int cameras, int seconds) throws Exception {
        byte[] segment = pad("{\"site\":\"" + site + "\",\"kind\":\"segment\"}", 450);
        byte[] status = pad("{\"site\":\"" + site + "\",\"kind\":\"status\"}", 250);
        byte[] heartbeat = pad("{\"site\":\"" + site + "\",\"kind\":\"heartbeat\"}", 300);
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all",
                "enable.idempotence", "true"), new StringSerializer(), new ByteArraySerializer())) {
            long start = System.nanoTime();
            long gap = TimeUnit.MINUTES.toNanos(1) / Math.max(1, cameras); // one camera's pair each gap
            long next = start;
            long nextBeat = start;
            int i = 0;
            while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(seconds)) {
                long now = System.nanoTime();
                if (now >= nextBeat) {
                    p.send(new ProducerRecord<>(Topics.NODE_HEARTBEATS, "recorder-" + site, heartbeat));
                    nextBeat += TimeUnit.SECONDS.toNanos(5);
                }
                if (now >= next) {
                    String camera = site + "-cam-" + (i++ % cameras);
                    p.send(new ProducerRecord<>(Topics.SEGMENTS, camera, segment));
                    p.send(new ProducerRecord<>(Topics.CAMERA_STATUS, camera, status));
                    next += gap;
                }
                TimeUnit.NANOSECONDS.sleep(Math.max(0, Math.min(next, nextBeat) - System.nanoTime()));
            }
            p.flush();
        }
        System.out.println("SENT idle");
        System.out.flush();
    }

    private static byte[] pad(String json, int size) {
        StringBuilder b = new StringBuilder(json.substring(0, json.length() - 1)).append(",\"pad\":\"");
        while (b.length() < size - 2) {
            b.append('x');
        }
        return b.append("\"}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The id of a site's {@code i}-th event. */
    public static String eventId(String site, int i) {
        return UUID.nameUUIDFromBytes((site + "/" + i).getBytes(StandardCharsets.UTF_8)).toString();
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 5 && args[4].equals("idle")) {
            idle(args[0], args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            return;
        }
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
