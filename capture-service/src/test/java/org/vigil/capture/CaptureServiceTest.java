package org.vigil.capture;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.CameraStatus;
import org.vigil.contracts.Json;
import org.vigil.contracts.LiveDemand;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.Topics;
import org.vigil.devstack.testing.KafkaTestResource;
import org.vigil.devstack.testing.TestTokens;
import org.vigil.devstack.testing.TokenIssuerTestResource;
import org.vigil.devstack.testing.TopicProbe;
import org.vigil.runtime.live.LiveDemandSender;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(TokenIssuerTestResource.class)
class CaptureServiceTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void exposesEveryMetricOfTheCatalog() {
        awaitCameraListed();
        assertThat(org.vigil.devstack.testing.MetricsCatalog.awaitMissing("capture-service",
                () -> io.restassured.RestAssured.get(org.vigil.devstack.testing.Management.url("/q/metrics")).asString(), java.time.Duration.ofSeconds(60)))
                .as("metrics docs/metrics.md lists for capture-service but /q/metrics lacks").isEmpty();
    }

    @Test
    void registersTheSyntheticCameraAndPublishesUntouchedPacketsWithContractHeaders() {
        MediaPacket key = TopicProbe.await(bootstrap, Topics.MEDIA, Duration.ofSeconds(60), r -> {
            MediaPacket p = MediaPacket.read(r.key(), r.headers(), r.value());
            return p.cameraId().equals("cam1") && p.keyFrame() ? p : null;
        });
        assertThat(key.cameraId()).isEqualTo("cam1");
        assertThat(key.params().codec()).isEqualTo("h264");
        assertThat(key.params().width()).isEqualTo(320);
        assertThat(key.timeBaseDen()).isEqualTo(10);
        // H.264 Annex B start code: the bytes are the encoder's, not re-wrapped
        assertThat(key.data()).startsWith(0, 0, 0, 1);
    }

    @Test
    void aCamerasSubStreamIsPublishedOnItsOwnTopicOnlyWhileSomeoneReadsItAndNeverOnTheRecordedOne() {
        CameraConfig cam = new CameraConfig(CameraConfig.VERSION, "cam-sub", "Sub", "hq", "test:?size=320x180&fps=5",
                "test:?size=160x96&fps=5", false, 0.5, null, null, java.time.Instant.now(), "test", true, null, null,
                0.0, null, null);
        try {
            TopicProbe.send(bootstrap, Topics.CAMERAS, cam.id(), Json.write(cam));
            // the recorded topic has the main stream's, and only those: no sub-stream packet reaches a recording
            java.util.List<Integer> widths = new java.util.ArrayList<>();
            TopicProbe.await(bootstrap, Topics.MEDIA, Duration.ofSeconds(60), r -> {
                MediaPacket p = MediaPacket.read(r.key(), r.headers(), r.value());
                if (p.cameraId().equals(cam.id()) && p.keyFrame()) {
                    widths.add(p.params().width());
                }
                return widths.size() >= 2 ? widths : null;
            });
            assertThat(widths).containsOnly(320);
            // it has been capturing for two key frames, its sub-stream analysed, but nobody reads the sub-stream
            assertThat(subStreamPackets(cam.id())).as("sub-stream packets while nobody reads them").isZero();

            try (LiveDemandSender demand = new LiveDemandSender(bootstrap, "capture-test");
                    LiveDemandSender.Lease lease = demand.watch(cam.id(), LiveDemand.SUBSTREAM)) {
                MediaPacket sub = TopicProbe.await(bootstrap, Topics.SUBSTREAMS, Duration.ofSeconds(60), r -> {
                    MediaPacket p = MediaPacket.read(r.key(), r.headers(), r.value());
                    return p.cameraId().equals(cam.id()) && p.keyFrame() ? p : null;
                });
                // the sub-stream's own packets, with the contract's headers: its size, codec and a session of its own
                assertThat(sub.params().width()).isEqualTo(160);
                assertThat(sub.params().height()).isEqualTo(96);
                assertThat(sub.params().codec()).isEqualTo("h264");
                assertThat(sub.data()).startsWith(0, 0, 0, 1);
            }
            // the last reader left: capture stops sending at once (the release), not when the lease would run out
            long seen = -1;
            long deadline = System.nanoTime() + LiveDemandSender.LEASE.toNanos() / 2;
            while (true) {
                long now = subStreamPackets(cam.id());
                if (now == seen) {
                    break;
                }
                assertThat(System.nanoTime()).as("sub-stream packets still sent after the release").isLessThan(deadline);
                seen = now;
                sleepBetweenReads();
            }
        } finally {
            TopicProbe.send(bootstrap, Topics.CAMERAS, cam.id(), null);
        }
    }

    /**
     * A camera whose sub-stream is analysed, removed while both its threads run, again and again: the main stream's
     * thread used to free the analyser's decoder while the sub-stream's thread was still decoding with it, and FFmpeg
     * then brought the whole service down (SIGSEGV in avcodec_send_packet or avcodec_free_context). The analyser
     * belongs to the thread that feeds it. A crash ends this test's JVM, which fails the build.
     */
    @Test
    void aCameraWithASubStreamRemovedWhileItIsAnalysedNeverTakesTheServiceDown() throws Exception {
        awaitCameraListed();
        for (int i = 0; i < 8; i++) {
            String id = "cam-churn" + i;
            CameraConfig cam = new CameraConfig(CameraConfig.VERSION, id, id, "hq", "test:?size=320x180&fps=15",
                    "test:?size=640x360&fps=30", false, 0.5, null, null, java.time.Instant.now(), "test", true, null,
                    null, 0.0, null, null);
            TopicProbe.send(bootstrap, Topics.CAMERAS, id, Json.write(cam));
            awaitCaptured(ids -> ids.contains(id), id + " is captured");
            Thread.sleep(300 + 100 * i); // its sub-stream thread opened and decoding at different points of a frame
            TopicProbe.send(bootstrap, Topics.CAMERAS, id, null);
            awaitCaptured(ids -> !ids.contains(id), id + " is released");
        }
        assertThat(captured()).as("the service still captures its camera").contains("cam1");
    }

    /** A second between two counts: at 5 fps a flowing sub-stream adds five packets in it. */
    private static void sleepBetweenReads() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** How many of {@code camera}'s packets the sub-stream topic holds now. */
    private long subStreamPackets(String camera) {
        java.util.Properties p = new java.util.Properties();
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(p,
                new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            var parts = c.partitionsFor(Topics.SUBSTREAMS, Duration.ofSeconds(10)).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(Topics.SUBSTREAMS, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            var end = c.endOffsets(parts, Duration.ofSeconds(10));
            long n = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                assertThat(System.nanoTime()).as("reading the sub-stream topic").isLessThan(deadline);
                for (var r : c.poll(Duration.ofMillis(200))) {
                    if (camera.equals(r.key())) {
                        n++;
                    }
                }
            }
            return n;
        }
    }

    @Test
    void reportsTheCameraOnlineWithItsOwnerAndStreamFacts() {
        CameraStatus s = TopicProbe.await(bootstrap, Topics.CAMERA_STATUS, Duration.ofSeconds(60), r -> {
            CameraStatus st = Json.read(r.value(), CameraStatus.class);
            return st.cameraId().equals("cam1") && st.state() == CameraStatus.State.ONLINE ? st : null;
        });
        assertThat(s.instance()).isEqualTo("capture-test");
        assertThat(s.site()).isEqualTo("hq");
        assertThat(s.codec()).isEqualTo("h264");
        assertThat(s.height()).isEqualTo(180);
    }

    @Test
    void publishesAMotionStartWithASnapshotWhenTheFigureWalks() {
        MotionEvent start = TopicProbe.await(bootstrap, Topics.MOTION, Duration.ofSeconds(60), r -> {
            MotionEvent e = Json.read(r.value(), MotionEvent.class);
            return e.cameraId().equals("cam1") && e.phase() == MotionEvent.Phase.START ? e : null;
        });
        assertThat(start.cameraId()).isEqualTo("cam1");
        assertThat(start.boxes()).isNotEmpty();
        byte[] jpeg = TopicProbe.await(bootstrap, Topics.SNAPSHOTS, Duration.ofSeconds(30),
                r -> start.eventId().equals(r.key()) ? r.value() : null);
        assertThat(jpeg).startsWith((byte) 0xFF, (byte) 0xD8);
    }

    @jakarta.inject.Inject
    RecordedSpans spans;

    @Test
    void aMotionEventIsOneTraceWhoseContextTravelsInTheRecordHeaders() throws Exception {
        record Traced(MotionEvent event, String traceId, String spanId) {
        }
        Traced start = TopicProbe.await(bootstrap, Topics.MOTION, Duration.ofSeconds(60), r -> {
            MotionEvent e = Json.read(r.value(), MotionEvent.class);
            String[] tp = traceparent(r.headers());
            return e.cameraId().equals("cam1") && e.phase() == MotionEvent.Phase.START && tp != null
                    ? new Traced(e, tp[1], tp[2])
                    : null;
        });
        // the snapshot of the same event is in the same trace
        String[] snapshot = TopicProbe.await(bootstrap, Topics.SNAPSHOTS, Duration.ofSeconds(30),
                r -> start.event().eventId().equals(r.key()) ? traceparent(r.headers()) : null);
        assertThat(snapshot[1]).isEqualTo(start.traceId());
        assertThat(snapshot[2]).isNotEqualTo(start.spanId());
        // the header names the producer span, which ended when Kafka acknowledged and is a child of the event's span
        io.opentelemetry.sdk.trace.data.SpanData publish = spans.await(s -> s.getSpanId().equals(start.spanId()),
                Duration.ofSeconds(30), "publishing the motion start");
        assertThat(publish.getName()).isEqualTo(Topics.MOTION + " publish");
        assertThat(publish.getKind()).isEqualTo(io.opentelemetry.api.trace.SpanKind.PRODUCER);
        assertThat(publish.getTraceId()).isEqualTo(start.traceId());
        assertThat(publish.getParentSpanContext().isValid()).as("child of the motion event's span").isTrue();
        // another kind of record (camera status) starts its own trace
        String[] status = TopicProbe.await(bootstrap, Topics.CAMERA_STATUS, Duration.ofSeconds(30),
                r -> "cam1".equals(r.key()) ? traceparent(r.headers()) : null);
        assertThat(status[1]).isNotEqualTo(start.traceId());
    }

    /** {version, trace id, span id, flags} of a record's W3C traceparent header, or null without one. */
    private static String[] traceparent(org.apache.kafka.common.header.Headers headers) {
        org.apache.kafka.common.header.Header h = headers.lastHeader(org.vigil.contracts.TraceHeaders.TRACEPARENT);
        if (h == null) {
            return null;
        }
        String[] parts = new String(h.value(), java.nio.charset.StandardCharsets.US_ASCII).split("-");
        assertThat(parts).hasSize(4);
        assertThat(parts[1]).matches("[0-9a-f]{32}");
        assertThat(parts[2]).matches("[0-9a-f]{16}");
        return parts;
    }

    @Test
    void theSyntheticCameraRunsThroughMotionWithoutAReconnect() {
        publishesAMotionStartWithASnapshotWhenTheFigureWalks();
        String metrics = given().when().get(org.vigil.devstack.testing.Management.url("/q/metrics")).then().statusCode(200).extract().asString();
        assertThat(metrics).contains("vigil_capture_input_packets_total{camera=\"cam1\"");
        assertThat(metrics.lines().filter(l -> l.startsWith("vigil_capture_reconnects_total{camera=\"cam1\"")))
                .singleElement().asString().endsWith(" 0.0");
        assertThat(metrics.lines().filter(l -> l.startsWith("vigil_capture_analysed_frames_total{camera=\"cam1\"")))
                .singleElement().asString().doesNotEndWith(" 0.0");
    }

    @Test
    void aViewerOfTheSiteSeesTheCameraWithItsStatus() {
        awaitCameraListed();
        given().auth().oauth2(TestTokens.token("vera", "viewer", "hq"))
                .when().get("/api/capture/cameras")
                .then().statusCode(200)
                .body("find { it.id == 'cam1' }.site", equalTo("hq"))
                .body("find { it.id == 'cam1' }.source", equalTo("test:?size=320x180&fps=10"));
    }

    @Test
    void aViewerOfAnotherSiteSeesNoCamera() {
        awaitCameraListed();
        given().auth().oauth2(TestTokens.token("otto", "viewer", "branch"))
                .when().get("/api/capture/cameras")
                .then().statusCode(200).body("$", empty());
    }

    @Test
    void aMissingTokenIsRejectedWith401() {
        given().when().get("/api/capture/cameras").then().statusCode(401);
    }

    @Test
    void aForgedTokenIsRejectedWith401() {
        given().auth().oauth2(TestTokens.forged("mallory", "admin", "*"))
                .when().get("/api/capture/cameras").then().statusCode(401);
    }

    @Test
    void anExpiredTokenIsRejectedWith401() {
        given().auth().oauth2(TestTokens.expired("vera", "viewer", "hq"))
                .when().get("/api/capture/cameras").then().statusCode(401);
    }

    @Test
    void healthEndpointsAreUpOnceTheCameraIsOwned() {
        awaitCameraListed();
        given().when().get(org.vigil.devstack.testing.Management.url("/q/health/ready")).then().statusCode(200)
                .body("checks.name", org.hamcrest.Matchers.hasItems("camera-ownership", "camera-freshness",
                        "Kafka connection health check"));
        given().when().get(org.vigil.devstack.testing.Management.url("/q/health/live")).then().statusCode(200);
        given().when().get(org.vigil.devstack.testing.Management.url("/q/health/started")).then().statusCode(200);
    }

    @Test
    void aCameraThatDeliversNothingIsListedStaleWhileTheInstanceStaysReadyOnItsLiveCamera() throws Exception {
        awaitCameraListed();
        CameraConfig dead = new CameraConfig(CameraConfig.VERSION, "cam-dead", "Dead", "hq",
                "rtsp://127.0.0.1:1/none", null, false, 0.5, null, null, java.time.Instant.now(), "test");
        TopicProbe.send(bootstrap, Topics.CAMERAS, dead.id(), Json.write(dead));
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            io.restassured.response.Response r;
            do {
                Thread.sleep(250);
                r = given().when().get(org.vigil.devstack.testing.Management.url("/q/health/ready"));
            } while (!"cam-dead".equals(r.path("checks.find { it.name == 'camera-freshness' }.data.stale"))
                    && System.nanoTime() < deadline);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat((String) r.path("checks.find { it.name == 'camera-freshness' }.data.stale")).isEqualTo("cam-dead");
            assertThat((Integer) r.path("checks.find { it.name == 'camera-freshness' }.data.fresh")).isEqualTo(1);
        } finally {
            TopicProbe.send(bootstrap, Topics.CAMERAS, dead.id(), null);
        }
    }

    @Test
    void aDisabledCameraStopsWithinSecondsSaysSoAndStartsAgainWhenEnabled() {
        java.util.function.Function<Boolean, CameraConfig> toggle = enabled -> new CameraConfig(CameraConfig.VERSION,
                "cam-toggle", "Toggle", "hq", "test:?size=160x96&fps=5", null, false, 0.5, null, null,
                java.time.Instant.now(), "test", enabled, null, null, 0.0, null, null);
        java.util.function.BiFunction<CameraStatus.State, java.time.Instant, CameraStatus> status = (state, since) ->
                TopicProbe.await(bootstrap, Topics.CAMERA_STATUS, Duration.ofSeconds(60), r -> {
                    CameraStatus s = "cam-toggle".equals(r.key()) && r.value() != null
                            ? Json.read(r.value(), CameraStatus.class) : null;
                    return s != null && s.state() == state && !s.at().isBefore(since) ? s : null;
                });
        try {
            java.time.Instant start = java.time.Instant.now().minusSeconds(1);
            TopicProbe.send(bootstrap, Topics.CAMERAS, "cam-toggle", Json.write(toggle.apply(true)));
            status.apply(CameraStatus.State.ONLINE, start);

            java.time.Instant off = java.time.Instant.now();
            TopicProbe.send(bootstrap, Topics.CAMERAS, "cam-toggle", Json.write(toggle.apply(false)));
            CameraStatus disabled = status.apply(CameraStatus.State.DISABLED, off.minusMillis(1));
            assertThat(Duration.between(off, disabled.at())).as("stopped within 5 s").isLessThan(Duration.ofSeconds(5));
            java.util.List<String> ids = given().auth().oauth2(TestTokens.token("admin", "admin", "*")).when()
                    .get("/api/capture/cameras").then().statusCode(200).extract().path("id");
            assertThat(ids).as("no worker left for the disabled camera").doesNotContain("cam-toggle");

            java.time.Instant on = java.time.Instant.now();
            TopicProbe.send(bootstrap, Topics.CAMERAS, "cam-toggle", Json.write(toggle.apply(true)));
            CameraStatus again = status.apply(CameraStatus.State.ONLINE, on.minusMillis(1));
            assertThat(Duration.between(on, again.at())).as("started again within 5 s").isLessThan(Duration.ofSeconds(5));
        } finally {
            TopicProbe.send(bootstrap, Topics.CAMERAS, "cam-toggle", null);
        }
    }

    @Test
    void anotherSitesCameraIsNeverCapturedHereAndACameraMovedAwayIsReleased() throws Exception {
        awaitCameraListed();
        java.util.function.BiFunction<String, String, CameraConfig> camera = (id, site) -> new CameraConfig(
                CameraConfig.VERSION, id, id, site, "test:?size=160x96&fps=5", null, false, 0.5, null, null,
                java.time.Instant.now(), "test");
        // a camera of our own site on the same registry partition, written after the other site's: once it is
        // captured, this instance has read the other site's record too (one partition is read in order)
        String far = "cam-far";
        String near = sharingAPartitionWith(far);
        try {
            TopicProbe.send(bootstrap, Topics.CAMERAS, far, Json.write(camera.apply(far, "elsewhere")));
            TopicProbe.send(bootstrap, Topics.CAMERAS, near, Json.write(camera.apply(near, "hq")));
            awaitCaptured(ids -> ids.contains(near), "its own site's camera is captured");
            assertThat(captured()).as("site elsewhere's camera is not captured at hq").doesNotContain(far);

            // moved to another site: released here (that site's own instances take it)
            TopicProbe.send(bootstrap, Topics.CAMERAS, near, Json.write(camera.apply(near, "elsewhere")));
            awaitCaptured(ids -> !ids.contains(near), "a camera moved to another site is released");
            assertThat(captured()).contains("cam1").doesNotContain(far);

            // its sign of life for the site, with the cameras it captures there
            org.vigil.contracts.NodeHeartbeat beat = TopicProbe.await(bootstrap, Topics.NODE_HEARTBEATS,
                    Duration.ofSeconds(30), r -> {
                        org.vigil.contracts.NodeHeartbeat h = Json.read(r.value(),
                                org.vigil.contracts.NodeHeartbeat.class);
                        return h.role().equals(org.vigil.contracts.NodeHeartbeat.CAPTURE)
                                && h.node().equals("capture-service@capture-test") && h.camerasRecording() > 0 ? h
                                        : null;
                    });
            assertThat(beat.site()).isEqualTo("hq");
        } finally {
            TopicProbe.send(bootstrap, Topics.CAMERAS, far, null);
            TopicProbe.send(bootstrap, Topics.CAMERAS, near, null);
        }
    }

    /** A camera id whose registry record lands on the same partition as {@code id}'s (Kafka's key hashing). */
    private String sharingAPartitionWith(String id) throws Exception {
        int partitions;
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                java.util.Map.of("bootstrap.servers", bootstrap))) {
            partitions = admin.describeTopics(java.util.List.of(Topics.CAMERAS)).allTopicNames().get()
                    .get(Topics.CAMERAS).partitions().size();
        }
        java.util.function.ToIntFunction<String> partition = k -> org.apache.kafka.common.utils.Utils.toPositive(
                org.apache.kafka.common.utils.Utils.murmur2(k.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                % partitions;
        for (int i = 0;; i++) {
            if (partition.applyAsInt("cam-near" + i) == partition.applyAsInt(id)) {
                return "cam-near" + i;
            }
        }
    }

    private static java.util.List<String> captured() {
        return given().auth().oauth2(TestTokens.token("admin", "admin", "*")).when().get("/api/capture/cameras")
                .then().statusCode(200).extract().path("id");
    }

    private static void awaitCaptured(java.util.function.Predicate<java.util.List<String>> wanted, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!wanted.test(captured())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within 60 s; captured: " + captured());
            }
            Thread.sleep(200);
        }
    }

    private static void awaitCameraListed() {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            java.util.List<String> ids = given().auth().oauth2(TestTokens.token("admin", "admin", "*"))
                    .when().get("/api/capture/cameras").then().extract().path("id");
            if (ids.contains("cam1")) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new AssertionError("the synthetic camera was not captured within 60 s");
    }
}
