package org.vigil.recorder;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeAll;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.SegmentClosed;
import org.vigil.contracts.StreamParams;
import org.vigil.contracts.Topics;
import org.vigil.devstack.testing.TestClips;
import org.vigil.devstack.testing.TestTokens;
import org.vigil.devstack.testing.TopicProbe;


/** The recorder in a Quarkus test against a real Kafka broker: a synthetic clip sent as capture sends it. */
abstract class RecorderTestBase {

    static final int FPS = 10;
    /** 8 s at 10 fps, a key frame every second. */
    static List<byte[]> clip;
    static List<Boolean> keys;
    static StreamParams params;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = "vigil.recorder.recordings-dir")
    Path root;

    @BeforeAll
    static void readClip() throws Exception {
        TestClips.Clip c = TestClips.h264(8, FPS, 320, 180, FPS);
        clip = c.packets().stream().map(TestClips.ClipPacket::data).toList();
        keys = c.packets().stream().map(TestClips.ClipPacket::keyFrame).toList();
        params = new StreamParams("h264", c.width(), c.height(), FPS, 1, c.extradata());
        assertThat(clip).hasSize(8 * FPS);
        assertThat(keys.get(0)).isTrue();
    }

    void register(String camera, boolean recording) {
        register(camera, recording, null);
    }

    /** A camera of site hq; {@code subStreamUrl} null for one without a sub-stream. */
    void register(String camera, boolean recording, String subStreamUrl) {
        CameraConfig c = new CameraConfig(CameraConfig.VERSION, camera, camera, "hq", "test:", subStreamUrl, recording,
                0.5, null, null, Instant.now(), "test");
        TopicProbe.send(bootstrap, Topics.CAMERAS, camera, Json.write(c));
        awaitRecorderSees(camera, recording);
    }

    /** Sends packets {@code from..to-1} of the clip as one capture session, 100 ms apart, ending about now. */
    List<RecordMetadata> send(String camera, String session, int from, int to) {
        return send(camera, session, from, to, Instant.now().minus(Duration.ofMillis(100L * clip.size())));
    }

    /** Sends packets {@code from..to-1} of the clip; packet {@code i} was captured at {@code base + i * 100 ms}. */
    List<RecordMetadata> send(String camera, String session, int from, int to, Instant base) {
        return send(Topics.MEDIA, camera, session, from, to, base);
    }

    /** As {@link #send(String, String, int, int, Instant)}, to {@code topic}. */
    List<RecordMetadata> send(String topic, String camera, String session, int from, int to, Instant base) {
        List<Future<RecordMetadata>> sent = new java.util.ArrayList<>();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = from; i < to; i++) {
                Instant wall = base.plusMillis(100L * i);
                MediaPacket mp = new MediaPacket(camera, session, i, i, i, 1, FPS, keys.get(i),
                        ChronoUnit.MICROS.between(Instant.EPOCH, wall), "h264", keys.get(i) ? params : null, clip.get(i));
                ProducerRecord<String, byte[]> r = new ProducerRecord<>(topic, camera, clip.get(i));
                mp.writeHeaders(r.headers());
                sent.add(p.send(r));
            }
            p.flush();
            List<RecordMetadata> out = new java.util.ArrayList<>();
            for (Future<RecordMetadata> f : sent) {
                out.add(f.get());
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Collects the segments announced for {@code camera} until they hold {@code frames} frames. */
    List<SegmentClosed> segmentsHolding(String camera, long frames) {
        Map<String, SegmentClosed> seen = new ConcurrentHashMap<>();
        return TopicProbe.await(bootstrap, Topics.SEGMENTS, Duration.ofSeconds(60), r -> {
            SegmentClosed s = Json.read(r.value(), SegmentClosed.class);
            if (!s.cameraId().equals(camera)) {
                return null;
            }
            // each announcement carries the W3C trace context of its producer span, for the event service to continue
            assertThat(r.headers().lastHeader(org.vigil.contracts.TraceHeaders.TRACEPARENT)).as("traceparent header")
                    .isNotNull().extracting(h -> new String(h.value(), java.nio.charset.StandardCharsets.US_ASCII))
                    .asString().matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
            seen.put(s.segmentId(), s);
            long total = seen.values().stream().mapToLong(SegmentClosed::frames).sum();
            assertThat(total).as("frames announced for " + camera).isLessThanOrEqualTo(frames);
            return total == frames ? List.copyOf(seen.values()) : null;
        });
    }

    void awaitRecorderSees(String camera, boolean recording) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            List<Map<String, Object>> cams = given().auth().oauth2(TestTokens.token("ada", "admin", "*"))
                    .when().get("/api/recorder/cameras").then().statusCode(200).extract().jsonPath().getList("$");
            if (cams.stream().anyMatch(c -> camera.equals(c.get("id")) && recording == (Boolean) c.get("recording"))) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("recorder did not see " + camera + " recording=" + recording);
    }

    static String sha256(Path file) throws Exception {
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        return java.util.HexFormat.of().formatHex(md.digest(Files.readAllBytes(file)));
    }

    static String admin() {
        return TestTokens.token("ada", "admin", "*");
    }

    /** Polls {@code check} until it holds (deadline 60 s). */
    static void eventually(String what, java.util.function.BooleanSupplier check) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (check.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("never happened: " + what);
    }

    /** The sum of a Prometheus metric's samples whose labels contain {@code label}. */
    static double metric(String name, String label) {
        String metrics = given().when().get(org.vigil.devstack.testing.Management.url("/q/metrics")).then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith(name + "{") && l.contains(label))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** The segments announced for {@code camera} so far (the topic read to its end). */
    List<SegmentClosed> segmentsSoFar(String camera) {
        java.util.Properties props = new java.util.Properties();
        props.put("bootstrap.servers", bootstrap);
        try (org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]> c =
                new org.apache.kafka.clients.consumer.KafkaConsumer<>(props,
                        new org.apache.kafka.common.serialization.StringDeserializer(),
                        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            List<org.apache.kafka.common.TopicPartition> parts = c.partitionsFor(Topics.SEGMENTS).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(i.topic(), i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<org.apache.kafka.common.TopicPartition, Long> end = c.endOffsets(parts);
            Map<String, SegmentClosed> seen = new java.util.HashMap<>();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                c.poll(Duration.ofMillis(200)).forEach(r -> {
                    SegmentClosed s = Json.read(r.value(), SegmentClosed.class);
                    if (s.cameraId().equals(camera)) {
                        seen.put(s.segmentId(), s);
                    }
                });
            }
            return List.copyOf(seen.values());
        }
    }
}
