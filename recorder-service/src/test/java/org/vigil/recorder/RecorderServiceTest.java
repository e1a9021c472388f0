package org.vigil.recorder;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.Json;
import org.vigil.contracts.LiveDemand;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.SegmentClosed;
import org.vigil.contracts.StreamParams;
import org.vigil.contracts.Topics;
import org.vigil.devstack.testing.KafkaTestResource;
import org.vigil.devstack.testing.TestClips;
import org.vigil.devstack.testing.TestTokens;
import org.vigil.devstack.testing.TokenIssuerTestResource;
import org.vigil.devstack.testing.TopicProbe;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(TokenIssuerTestResource.class)
class RecorderServiceTest extends RecorderTestBase {

    @Test
    void exposesEveryMetricOfTheCatalog() {
        register("rec-metrics", true); // the packet counters appear with the first packet
        send("rec-metrics", UUID.randomUUID().toString(), 0, 10);
        assertThat(org.vigil.devstack.testing.MetricsCatalog.awaitMissing("recorder-service",
                () -> io.restassured.RestAssured.get(org.vigil.devstack.testing.Management.url("/q/metrics")).asString(), java.time.Duration.ofSeconds(60)))
                .as("metrics docs/metrics.md lists for recorder-service but /q/metrics lacks").isEmpty();
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
        double offBefore = metric("vigil_recorder_packets_total", "outcome=\"recording_off\"");
        send("rec-c", UUID.randomUUID().toString(), 0, 30);
        eventually("packets seen while off", () -> metric("vigil_recorder_packets_total",
                "outcome=\"recording_off\"") - offBefore >= 30);
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
    void readinessChecksTheDiskAndBoundsTheLag() {
        register("rec-ready", true);
        send("rec-ready", UUID.randomUUID().toString(), 0, 30);
        segmentsHolding("rec-ready", 30);

        io.restassured.path.json.JsonPath health = given().when().get(org.vigil.devstack.testing.Management.url("/q/health/ready")).then().statusCode(200)
                .extract().jsonPath();
        Map<String, Object> data = health.getMap("checks.find { it.name == 'recorder' }.data");
        assertThat(data).containsEntry("recordingsDirWritable", true).containsEntry("lagBounded", true);
        assertThat(((Number) data.get("maxLagSeconds")).doubleValue()).isEqualTo(120.0);
        assertThat(((Number) data.get("lagSeconds")).doubleValue()).isBetween(0.0, 120.0);
    }

    @Test
    void theApiNeedsAnAdminToken() {
        given().when().get("/api/recorder/cameras").then().statusCode(401);
        given().auth().oauth2(TestTokens.token("vera", "viewer", "*")).when().get("/api/recorder/cameras")
                .then().statusCode(403);
        given().auth().oauth2(TestTokens.token("ada", "admin", "*")).when().get("/api/recorder/cameras")
                .then().statusCode(200);
    }


    @Test
    void badInputIsCountedAndSkippedAndTheSegmentsStayValid() throws Exception {
        register("rec-e", true);
        double malformedBefore = dropped("malformed");
        double unknownBefore = dropped("unknown_camera");
        String session = UUID.randomUUID().toString();
        Instant base = Instant.now().minusSeconds(10);
        // packets for a camera nobody registered
        send("nobody-" + UUID.randomUUID(), session, 0, 10, base);
        send("rec-e", session, 0, 15, base);
        // a corrupt packet body in place of packet 15 (not a key frame): written as it came, the file stays readable
        byte[] garbage = new byte[700];
        new java.util.Random(7).nextBytes(garbage);
        sendRaw("rec-e", new MediaPacket("rec-e", session, 15, 15, 15, 1, FPS, false, micros(base.plusMillis(1500)),
                "h264", null, garbage), garbage);
        // a key frame without stream parameters: malformed, dropped
        sendRawHeaders("rec-e", session, 16, true, false);
        send("rec-e", session, 17, 20, base);
        // a change of picture size mid-stream: a new segment from that key frame
        TestClips.Clip small = TestClips.h264(1, FPS, 160, 96, FPS);
        StreamParams smallParams = new StreamParams("h264", 160, 96, FPS, 1, small.extradata());
        for (int i = 0; i < small.packets().size(); i++) {
            TestClips.ClipPacket cp = small.packets().get(i);
            sendRaw("rec-e", new MediaPacket("rec-e", session, 20 + i, i, i, 1, FPS, cp.keyFrame(),
                    micros(base.plusMillis(2000 + 100L * i)), "h264", cp.keyFrame() ? smallParams : null, cp.data()),
                    cp.data());
        }

        // 0..15 at 320x180; 16 dropped, so 17..19 wait for a key frame (they depend on it); then all of 160x96
        List<SegmentClosed> segments = segmentsHolding("rec-e", 16 + small.packets().size());
        assertThat(segments).anySatisfy(s -> assertThat(s.width()).isEqualTo(160))
                .anySatisfy(s -> assertThat(s.width()).isEqualTo(320));
        for (SegmentClosed s : segments) {
            Path file = Path.of(s.root()).resolve(s.path());
            // demuxable end to end, every packet present (the corrupt one may not decode, so count packets)
            assertThat(TestClips.packets(file).packets()).as(s.path()).hasSize((int) s.frames());
            assertThat(TestClips.packets(file).width()).isEqualTo(s.width());
        }
        assertThat(dropped("malformed") - malformedBefore).isEqualTo(1);
        assertThat(dropped("unknown_camera") - unknownBefore).isEqualTo(10);
    }

    @Test
    void aNewCamerasFirstPacketsWaitForItsRegistryRecordInsteadOfBeingDropped() throws Exception {
        // capture starts a camera as soon as it reads the camera's record; the recorder reads the same record on
        // another consumer, so the camera's first packets can come first: here they are sent before the record
        String camera = "rec-late-" + UUID.randomUUID().toString().substring(0, 8);
        // another camera is registered: a recorder with none pauses its reading (nothing to record), and this race
        // happens only while it reads
        register("rec-awake-" + UUID.randomUUID().toString().substring(0, 8), true);
        double unknownBefore = dropped("unknown_camera");
        double waitsBefore = metric("vigil_recorder_registry_waits_total");
        send(camera, UUID.randomUUID().toString(), 0, 15, Instant.now().minusSeconds(5));
        // the recorder has met them (held for the registry, or dropped as unknown) before the record exists
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (metric("vigil_recorder_registry_waits_total") == waitsBefore
                && dropped("unknown_camera") == unknownBefore) {
            assertThat(System.nanoTime()).as("the recorder reads the packets").isLessThan(deadline);
            Thread.sleep(50);
        }
        register(camera, true);

        List<SegmentClosed> segments = segmentsHolding(camera, 15);
        assertThat(segments.stream().mapToLong(SegmentClosed::frames).sum()).isEqualTo(15);
        assertThat(dropped("unknown_camera") - unknownBefore).isZero();
    }

    @Test
    void liveFramesOfACameraAreStreamedToAViewerOfItsSiteOnlyFromTheNewestOn() throws Exception {
        String cam = "rec-l-" + UUID.randomUUID().toString().substring(0, 8);
        register(cam, true);
        given().auth().oauth2(TestTokens.token("vera", "viewer", "hq")).when().get("/api/recorder/live/nope-cam")
                .then().statusCode(404);
        given().auth().oauth2(TestTokens.token("otto", "viewer", "elsewhere")).when().get("/api/recorder/live/" + cam)
                .then().statusCode(403).body("message", org.hamcrest.Matchers.equalTo("no access to site hq"));
        byte[] old = {1, 2, 3};
        preview(cam, old); // before the stream: not sent, live view starts from the newest
        java.net.http.HttpResponse<java.io.InputStream> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port
                        + "/api/recorder/live/" + cam)).header("Authorization", "Bearer " + TestTokens.token("vera",
                                "viewer", "hq")).build(), java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        try (java.io.DataInputStream in = new java.io.DataInputStream(r.body())) {
            assertThat(in.readInt()).as("the opening, empty frame").isZero();
            byte[] jpeg = new byte[] {(byte) 0xff, (byte) 0xd8, 42, (byte) 0xff, (byte) 0xd9};
            preview("another-" + cam, new byte[] {9, 9}); // another camera's: never in this stream
            preview(cam, jpeg);
            byte[] frame = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (frame == null && System.nanoTime() < deadline) { // keep-alives (empty frames) until the picture
                int n = in.readInt();
                if (n > 0) {
                    frame = in.readNBytes(n);
                }
            }
            assertThat(frame).as("a frame within 30 s").isNotNull();
            assertThat(org.vigil.contracts.LiveFrame.camera(frame)).isEqualTo(cam);
            assertThat(java.util.Arrays.copyOfRange(frame, frame.length - jpeg.length, frame.length)).isEqualTo(jpeg);
            assertThat(new String(frame, java.nio.charset.StandardCharsets.UTF_8)).contains("\"width\":320");
        }
    }

    @Test
    void aCamerasOwnStreamGoesOutAsFmp4FromItsNewestKeyFrameThenLiveAndFfmpegDecodesIt() throws Exception {
        String cam = "rec-n-" + UUID.randomUUID().toString().substring(0, 8);
        register(cam, false);
        given().auth().oauth2(TestTokens.token("vera", "viewer", "hq")).when().get("/api/recorder/live/nope-cam/native")
                .then().statusCode(404);
        given().auth().oauth2(TestTokens.token("otto", "viewer", "elsewhere")).when()
                .get("/api/recorder/live/" + cam + "/native").then().statusCode(403);
        // 2.5 s written before the stream opens (key frames at 0, 1 and 2 s): it starts at the newest, frame 20
        send(cam, "s1", 0, 25);
        java.net.http.HttpResponse<java.io.InputStream> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port
                        + "/api/recorder/live/" + cam + "/native")).header("Authorization", "Bearer "
                                + TestTokens.token("vera", "viewer", "hq")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        try (java.io.DataInputStream in = new java.io.DataInputStream(r.body())) {
            List<byte[]> caughtUp = messages(in, 6);
            org.vigil.contracts.LiveFrame.Header init = org.vigil.contracts.LiveFrame.header(caughtUp.get(0));
            assertThat(init.kind()).isEqualTo("init");
            assertThat(new String(caughtUp.get(0), java.nio.charset.StandardCharsets.UTF_8))
                    .contains("\"mime\":\"video/mp4; codecs=\\\"avc1.").contains("\"width\":320");
            assertThat(caughtUp.subList(1, 6)).extracting(m -> org.vigil.contracts.LiveFrame.header(m).kind())
                    .containsOnly("fmp4");
            assertThat(caughtUp.subList(1, 6)).extracting(m -> org.vigil.contracts.LiveFrame.header(m).key())
                    .containsExactly(true, false, false, false, false);
            send(cam, "s1", 25, 30); // then live
            List<byte[]> live = messages(in, 5);
            assertThat(live).extracting(m -> org.vigil.contracts.LiveFrame.header(m).camera()).containsOnly(cam);
            // what a browser appends, FFmpeg decodes: frames 20 to 29
            java.io.ByteArrayOutputStream mp4 = new java.io.ByteArrayOutputStream();
            for (byte[] m : java.util.stream.Stream.concat(caughtUp.stream(), live.stream()).toList()) {
                int n = ((m[0] & 0xff) << 8) | (m[1] & 0xff);
                mp4.write(m, 2 + n, m.length - 2 - n);
            }
            Path file = java.nio.file.Files.write(root.resolve(cam + "-live.mp4"), mp4.toByteArray());
            assertThat(TestClips.decodedFrames(file)).isEqualTo(10);
        }

        // a camera whose codec is not sent natively: one message saying so, and the stream ends
        String hevc = "rec-h-" + UUID.randomUUID().toString().substring(0, 8);
        register(hevc, false);
        java.net.http.HttpResponse<java.io.InputStream> h = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port
                        + "/api/recorder/live/" + hevc + "/native")).header("Authorization", "Bearer "
                                + TestTokens.token("vera", "viewer", "hq")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        try (java.io.DataInputStream in = new java.io.DataInputStream(h.body())) {
            try (org.apache.kafka.clients.producer.KafkaProducer<String, byte[]> p =
                    new org.apache.kafka.clients.producer.KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                            new org.apache.kafka.common.serialization.StringSerializer(),
                            new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                MediaPacket mp = new MediaPacket(hevc, "s", 0, 0, 0, 1, FPS, true, 1, "hevc",
                        new StreamParams("hevc", 320, 180, FPS, 1, new byte[0]), new byte[] {0, 0, 0, 1, 0x40, 1});
                org.apache.kafka.clients.producer.ProducerRecord<String, byte[]> rec =
                        new org.apache.kafka.clients.producer.ProducerRecord<>(Topics.MEDIA, hevc, mp.data());
                mp.writeHeaders(rec.headers());
                p.send(rec).get();
            }
            byte[] m = messages(in, 1).get(0);
            assertThat(org.vigil.contracts.LiveFrame.header(m).kind()).isEqualTo("unsupported");
            assertThat(new String(m, java.nio.charset.StandardCharsets.UTF_8)).contains("\"codec\":\"hevc\"");
            assertThat(in.read()).as("the stream ended").isEqualTo(-1);
        }
    }

    @Test
    void aCamerasSubStreamIsStreamedNativelyFromItsOwnTopicAndAskedOnlyOfACameraThatHasOne() throws Exception {
        String token = TestTokens.token("vera", "viewer", "hq");
        String plain = "rec-p-" + UUID.randomUUID().toString().substring(0, 8);
        register(plain, false);
        given().auth().oauth2(token).when().get("/api/recorder/live/" + plain + "/native?stream=sub").then()
                .statusCode(404).body("error", org.hamcrest.Matchers.equalTo("no_substream"));
        given().auth().oauth2(token).when().get("/api/recorder/live/" + plain + "/native?stream=third").then()
                .statusCode(400);
        given().auth().oauth2(TestTokens.token("otto", "viewer", "elsewhere")).when()
                .get("/api/recorder/live/" + plain + "/native?stream=sub").then().statusCode(403);

        String cam = "rec-s-" + UUID.randomUUID().toString().substring(0, 8);
        register(cam, false, "test:?size=320x180");
        // the sub-stream's packets only (the main stream's topic has none of this camera): what ?stream=sub reads
        send(Topics.SUBSTREAMS, cam, "sub", 0, 25, Instant.now().minus(Duration.ofMillis(2500)));
        java.net.http.HttpResponse<java.io.InputStream> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port
                        + "/api/recorder/live/" + cam + "/native?stream=sub")).header("Authorization", "Bearer "
                                + token).build(),
                java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        try (java.io.DataInputStream in = new java.io.DataInputStream(r.body())) {
            List<byte[]> caughtUp = messages(in, 6);
            assertThat(caughtUp).extracting(m -> org.vigil.contracts.LiveFrame.header(m).kind())
                    .containsExactly("init", "fmp4", "fmp4", "fmp4", "fmp4", "fmp4");
            assertThat(caughtUp).extracting(m -> org.vigil.contracts.LiveFrame.header(m).camera()).containsOnly(cam);
            // capture publishes a sub-stream only while someone reads it: this stream holds a lease on it
            LiveDemand lease = TopicProbe.await(bootstrap, Topics.LIVE_DEMAND,
                    Duration.ofSeconds(30), m -> demand(m, cam, true));
            assertThat(lease.leaseMillis()).isPositive();
            assertThat(lease.by()).isEqualTo("recorder-live");
        }
        // the viewer gone, the stream ends and releases its lease at once
        TopicProbe.await(bootstrap, Topics.LIVE_DEMAND, Duration.ofSeconds(30), m -> demand(m, cam, false));
    }

    /** {@code camera}'s sub-stream lease ({@code held}) or its release in {@code r}, else null. */
    private static LiveDemand demand(org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]> r,
            String camera, boolean held) {
        LiveDemand d = Json.read(r.value(), LiveDemand.class);
        return d.cameraId().equals(camera) && d.stream().equals(LiveDemand.SUBSTREAM)
                && (d.leaseMillis() > 0) == held ? d : null;
    }

    /** The next {@code count} messages of a live stream (keep-alives skipped), within 30 s. */
    private static List<byte[]> messages(java.io.DataInputStream in, int count) throws java.io.IOException {
        List<byte[]> out = new java.util.ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (out.size() < count && System.nanoTime() < deadline) {
            int n = in.readInt();
            if (n > 0) {
                out.add(in.readNBytes(n));
            }
        }
        assertThat(out).as("messages within 30 s").hasSize(count);
        return out;
    }

    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "quarkus.http.test-port")
    int port;

    /** A preview as capture publishes it: keyed by camera, with the picture's size and time in headers. */
    private void preview(String camera, byte[] jpeg) {
        try (org.apache.kafka.clients.producer.KafkaProducer<String, byte[]> p =
                new org.apache.kafka.clients.producer.KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                        new org.apache.kafka.common.serialization.StringSerializer(),
                        new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            org.apache.kafka.clients.producer.ProducerRecord<String, byte[]> rec =
                    new org.apache.kafka.clients.producer.ProducerRecord<>(Topics.PREVIEWS, camera, jpeg);
            rec.headers().add(org.vigil.contracts.MediaPacket.H_WIDTH, "320".getBytes())
                    .add(org.vigil.contracts.MediaPacket.H_HEIGHT, "180".getBytes())
                    .add(org.vigil.contracts.MediaPacket.H_WALL, "1".getBytes());
            p.send(rec).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aSegmentsBytesGoOnlyToAFootageGrantOfItsSite() throws Exception {
        String cam = "rec-g-" + UUID.randomUUID().toString().substring(0, 8);
        register(cam, true);
        send(cam, UUID.randomUUID().toString(), 0, clip.size());
        SegmentClosed s = segmentsHolding(cam, clip.size()).get(0);
        String file = Path.of(s.path()).getFileName().toString();
        String url = "/api/recorder/segments/" + cam + "/" + file;

        io.restassured.response.Response got = given().auth().oauth2(TestTokens.footageGrant("olga", "operator", "hq"))
                .when().get(url);
        assertThat(got.statusCode()).as(got.asString()).isEqualTo(200);
        byte[] bytes = got.asByteArray();
        assertThat(bytes).hasSize((int) s.bytes());
        assertThat(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes)))
                .isEqualTo(s.sha256());

        // an ordinary token opens no segment, and a grant opens nothing but segments
        given().auth().oauth2(TestTokens.token("ada", "admin", "*")).when().get(url).then().statusCode(401);
        given().auth().oauth2(TestTokens.footageGrant("ada", "admin", "*")).when().get("/api/recorder/cameras")
                .then().statusCode(401);
        // another site's grant, a viewer's, a forged one
        given().auth().oauth2(TestTokens.footageGrant("otto", "operator", "elsewhere")).when().get(url).then()
                .statusCode(403).body("message", equalTo("no access to site hq"));
        given().auth().oauth2(TestTokens.footageGrant("vera", "viewer", "hq")).when().get(url).then().statusCode(403);
        given().auth().oauth2(TestTokens.forged("olga", "operator", "hq")).when().get(url).then().statusCode(401);
        // names that are not this camera's segments, or that would climb out of the recordings
        String op = TestTokens.footageGrant("olga", "operator", "*");
        given().auth().oauth2(op).when().get("/api/recorder/segments/" + cam + "/x.avi").then().statusCode(400);
        given().auth().oauth2(op).when().get("/api/recorder/segments/other-cam/" + file).then().statusCode(400);
        given().auth().oauth2(op).urlEncodingEnabled(false).when()
                .get("/api/recorder/segments/..%2F..%2Fetc/recording_..%2F..%2Fetc_20260101T000000.000Z.avi").then()
                .statusCode(org.hamcrest.Matchers.either(equalTo(400)).or(equalTo(404)));
        given().auth().oauth2(op).when().get("/api/recorder/segments/" + cam + "/recording_" + cam
                + "_20200101T000000.000Z.avi").then().statusCode(404);
    }

    @Test
    void playbackIsAnMp4OfTheTrueTimesFromTheKeyFrameBeforeTheStartAcrossSegmentsWithRanges() throws Exception {
        // a camera of its own per run: footage an earlier run left (same data directory, minutes ago) is not in its way
        String cam = "rec-p-" + UUID.randomUUID().toString().substring(0, 8);
        register(cam, true);
        Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(30);
        send(cam, UUID.randomUUID().toString(), 0, clip.size(), base);
        List<SegmentClosed> segments = segmentsHolding(cam, clip.size());
        assertThat(segments).hasSizeGreaterThanOrEqualTo(3);

        // packets are 100 ms apart with a key frame every 10: from 2.55 s the player needs the key frame at 2.0 s,
        // and frames up to 6.5 s are before the end (6.55 s)
        Instant from = base.plusMillis(2550);
        Instant to = base.plusMillis(6550);
        String url = "/api/recorder/playback/" + cam + ".mp4?from=" + from + "&to=" + to;
        io.restassured.response.Response full = given().auth().oauth2(TestTokens.token("vera", "viewer", "hq"))
                .when().get(url);
        assertThat(full.statusCode()).isEqualTo(200);
        assertThat(full.contentType()).isEqualTo("video/mp4");
        assertThat(full.header("X-Vigil-Start")).isEqualTo(base.plusMillis(2000).toString());
        byte[] mp4 = full.asByteArray();
        assertThat(mp4.length).isEqualTo(Long.parseLong(full.header("Content-Length")));
        Path file = Files.createTempFile("playback", ".mp4");
        Files.write(file, mp4);
        List<Double> times = TestClips.decodedFrameTimes(file);
        assertThat(times).hasSize(46);
        double frame = 1.0 / FPS;
        double duration = times.get(times.size() - 1) - times.get(0) + frame;
        double expected = Duration.between(base.plusMillis(2000), to).toMillis() / 1000.0;
        assertThat(duration).as("duration within one frame").isCloseTo(expected, org.assertj.core.data.Offset.offset(
                frame));
        for (int i = 0; i < times.size(); i++) {
            assertThat(times.get(i) - times.get(0)).isCloseTo(i * frame, org.assertj.core.data.Offset.offset(0.002));
        }

        // ranges, as a browser's video element asks for them
        io.restassured.response.Response part = given().auth().oauth2(admin()).header("Range", "bytes=100-199")
                .when().get(url);
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.header("Content-Range")).isEqualTo("bytes 100-199/" + mp4.length);
        assertThat(part.asByteArray()).isEqualTo(java.util.Arrays.copyOfRange(mp4, 100, 200));
        io.restassured.response.Response tail = given().auth().oauth2(admin()).header("Range", "bytes=-50")
                .when().get(url);
        assertThat(tail.statusCode()).isEqualTo(206);
        assertThat(tail.asByteArray()).isEqualTo(java.util.Arrays.copyOfRange(mp4, mp4.length - 50, mp4.length));
        given().auth().oauth2(admin()).header("Range", "bytes=" + mp4.length + "-").when().get(url).then()
                .statusCode(416).header("Content-Range", "bytes */" + mp4.length);

        // one viewing, one audit entry, whatever the shape of its first request: "bytes=00-" once slipped through
        String ranger = TestTokens.token("ranger", "viewer", "hq");
        given().auth().oauth2(ranger).header("Range", "bytes=00-").when().get(url).then().statusCode(206);
        given().auth().oauth2(ranger).header("Range", "bytes=100-199").when().get(url).then().statusCode(206);
        given().auth().oauth2(ranger).header("Range", "bytes=5-").when().get(url).then().statusCode(206);
        given().auth().oauth2(TestTokens.token("ranger-marker", "viewer", "hq")).when().get(url).then()
                .statusCode(200);
        int[] views = new int[1];
        org.vigil.devstack.testing.TopicProbe.await(bootstrap, org.vigil.contracts.Topics.AUDIT, Duration.ofSeconds(30),
                r -> {
                    org.vigil.contracts.AuditEntry e = org.vigil.contracts.Json.read(r.value(),
                            org.vigil.contracts.AuditEntry.class);
                    if (!("camera:" + cam).equals(e.target()) || !e.action().equals("recording.view")) {
                        return null;
                    }
                    if (e.actor().equals("ranger")) {
                        views[0]++;
                    }
                    return e.actor().equals("ranger-marker") ? e : null; // written after all of ranger's requests
                });
        assertThat(views[0]).as("audit entries of ranger's one viewing").isEqualTo(1);

        // access and bad input
        given().when().get(url).then().statusCode(401);
        given().auth().oauth2(TestTokens.token("otto", "viewer", "elsewhere")).when().get(url).then().statusCode(403);
        String camera = "/api/recorder/playback/" + cam + ".mp4";
        given().auth().oauth2(admin()).when().get(camera + "?from=yesterday&to=" + to).then()
                .statusCode(400).body("parameter", org.hamcrest.Matchers.equalTo("from"));
        given().auth().oauth2(admin()).when().get(camera + "?from=" + to + "&to=" + from).then()
                .statusCode(400).body("parameter", org.hamcrest.Matchers.equalTo("to"));
        given().auth().oauth2(admin()).when().get(camera + "?from=" + from.minusSeconds(7200) + "&to=" + to).then()
                .statusCode(400);
        given().auth().oauth2(admin()).when().get(camera + "?from=" + from.minusSeconds(600) + "&to="
                + from.minusSeconds(300)).then().statusCode(404);
        given().auth().oauth2(admin()).when().get("/api/recorder/playback/no-such-camera.mp4?from=" + from + "&to="
                + to).then().statusCode(404);
    }

    private double metric(String name) {
        String metrics = given().when().get(org.vigil.devstack.testing.Management.url("/q/metrics")).then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private double dropped(String reason) {
        String metrics = given().when().get(org.vigil.devstack.testing.Management.url("/q/metrics")).then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith("vigil_recorder_packets_dropped_total{")
                && l.contains("reason=\"" + reason + "\"")).mapToDouble(l -> Double.parseDouble(l.substring(
                        l.lastIndexOf(' ') + 1))).sum();
    }

    private static long micros(Instant t) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }

    private void sendRaw(String camera, MediaPacket mp, byte[] data) {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new StringSerializer(), new ByteArraySerializer())) {
            ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.MEDIA, camera, data);
            mp.writeHeaders(r.headers());
            p.send(r).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A packet whose headers claim a key frame but carry no stream parameters. */
    private void sendRawHeaders(String camera, String session, int seq, boolean key, boolean withParams) {
        MediaPacket mp = new MediaPacket(camera, session, seq, seq, seq, 1, FPS, false, micros(Instant.now()), "h264",
                null, clip.get(seq));
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new StringSerializer(), new ByteArraySerializer())) {
            ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.MEDIA, camera, clip.get(seq));
            mp.writeHeaders(r.headers());
            if (key && !withParams) {
                r.headers().remove(MediaPacket.H_KEY);
                r.headers().add(MediaPacket.H_KEY, "1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            p.send(r).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
