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
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.SegmentClosed;
import org.vigil.contracts.StreamParams;
import org.vigil.contracts.Topics;
import org.vigil.devstack.testing.KafkaTestResource;
import org.vigil.devstack.testing.TestClips;
import org.vigil.devstack.testing.TestTokens;
import org.vigil.devstack.testing.TokenIssuerTestResource;
import org.vigil.devstack.testing.TopicProbe;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(TokenIssuerTestResource.class)
class RecorderServiceTest {

    private static final int FPS = 10;
    /** 8 s at 10 fps, a key frame every second. */
    private static List<byte[]> clip;
    private static List<Boolean> keys;
    private static StreamParams params;

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

    private void register(String camera, boolean recording) {
        CameraConfig c = new CameraConfig(CameraConfig.VERSION, camera, camera, "hq", "test:", null, recording, 0.5, null,
                null, Instant.now(), "test");
        TopicProbe.send(bootstrap, Topics.CAMERAS, camera, Json.write(c));
        awaitRecorderSees(camera, recording);
    }

    /** Sends packets {@code from..to-1} of the clip as one capture session, 100 ms apart, ending about now. */
    private void send(String camera, String session, int from, int to) {
        Instant base = Instant.now().minus(Duration.ofMillis(100L * clip.size()));
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = from; i < to; i++) {
                Instant wall = base.plusMillis(100L * i);
                MediaPacket mp = new MediaPacket(camera, session, i, i, i, 1, FPS, keys.get(i),
                        ChronoUnit.MICROS.between(Instant.EPOCH, wall), "h264", keys.get(i) ? params : null, clip.get(i));
                ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.MEDIA, camera, clip.get(i));
                mp.writeHeaders(r.headers());
                p.send(r);
            }
            p.flush();
        }
    }

    /** Collects the segments announced for {@code camera} until they hold {@code frames} frames. */
    private List<SegmentClosed> segmentsHolding(String camera, long frames) {
        Map<String, SegmentClosed> seen = new ConcurrentHashMap<>();
        return TopicProbe.await(bootstrap, Topics.SEGMENTS, Duration.ofSeconds(60), r -> {
            SegmentClosed s = Json.read(r.value(), SegmentClosed.class);
            if (!s.cameraId().equals(camera)) {
                return null;
            }
            seen.put(s.segmentId(), s);
            long total = seen.values().stream().mapToLong(SegmentClosed::frames).sum();
            assertThat(total).as("frames announced for " + camera).isLessThanOrEqualTo(frames);
            return total == frames ? List.copyOf(seen.values()) : null;
        });
    }

    @Test
    void everyPacketEndsUpInADurableSegmentThatDecodes() throws Exception {
        register("rec-a", true);
        send("rec-a", UUID.randomUUID().toString(), 0, clip.size());

        List<SegmentClosed> segments = segmentsHolding("rec-a", clip.size());

        assertThat(segments).hasSizeGreaterThanOrEqualTo(2);
        for (SegmentClosed s : segments) {
            Path file = root.toAbsolutePath().resolve(s.path());
            assertThat(file.getFileName().toString()).matches("recording_rec-a_\\d{8}T\\d{6}\\.\\d{3}Z\\.avi");
            assertThat(file.getParent().getParent().getParent().getFileName().toString()).isEqualTo("hq");
            assertThat(Files.size(file)).isEqualTo(s.bytes());
            assertThat(sha256(file)).isEqualTo(s.sha256());
            assertThat(TestClips.decodedFrames(file)).as(s.path()).isEqualTo(s.frames());
            assertThat(s.endedAt()).isAfter(s.startedAt());
            assertThat(Files.exists(Path.of(file + ".partial"))).isFalse();
        }
    }

    @Test
    void aRedeliveredPacketIsNotWrittenTwice() {
        register("rec-b", true);
        String session = UUID.randomUUID().toString();
        send("rec-b", session, 0, 30);
        send("rec-b", session, 0, 30);
        send("rec-b", session, 30, 40);

        assertThat(segmentsHolding("rec-b", 40)).isNotEmpty();
    }

    @Test
    void nothingIsWrittenWhileRecordingIsOffAndANewSegmentStartsWhenItIsOn() {
        register("rec-c", false);
        send("rec-c", UUID.randomUUID().toString(), 0, 30);
        register("rec-c", true);
        send("rec-c", UUID.randomUUID().toString(), 30, 60);

        List<SegmentClosed> segments = segmentsHolding("rec-c", 30);
        assertThat(segments).allSatisfy(s -> assertThat(s.frames()).isLessThanOrEqualTo(30));
    }

    @Test
    void aMalformedPacketIsSkippedAndRecordingGoesOn() {
        register("rec-d", true);
        TopicProbe.send(bootstrap, Topics.MEDIA, "rec-d", new byte[] {1, 2, 3});
        send("rec-d", UUID.randomUUID().toString(), 0, 20);

        assertThat(segmentsHolding("rec-d", 20)).isNotEmpty();
    }

    @Test
    void theApiNeedsAnAdminToken() {
        given().when().get("/api/recorder/cameras").then().statusCode(401);
        given().auth().oauth2(TestTokens.token("vera", "viewer", "*")).when().get("/api/recorder/cameras")
                .then().statusCode(403);
        given().auth().oauth2(TestTokens.token("ada", "admin", "*")).when().get("/api/recorder/cameras")
                .then().statusCode(200);
    }

    private void awaitRecorderSees(String camera, boolean recording) {
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

    private static String sha256(Path file) throws Exception {
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        return java.util.HexFormat.of().formatHex(md.digest(Files.readAllBytes(file)));
    }
}
