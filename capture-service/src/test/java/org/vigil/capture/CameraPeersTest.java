package org.vigil.capture;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.Topics;
import org.vigil.devstack.testing.KafkaTestResource;
import org.vigil.devstack.testing.RtspServer;
import org.vigil.devstack.testing.TestTokens;
import org.vigil.devstack.testing.TokenIssuerTestResource;
import org.vigil.devstack.testing.TopicProbe;

/**
 * The capture service against real peers: a GStreamer RTSP camera that drops off and comes back, an HTTP-MJPEG
 * camera, and cameras that are wrong in every way an operator can get them wrong. RTSP_TIMEOUT_MS = 2000 and
 * RTSP_RECONNECT_SEC = 1 here.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(TokenIssuerTestResource.class)
@QuarkusTestResource(value = CameraPeers.class, restrictToAnnotatedClass = true)
class CameraPeersTest {

    static final long TIMEOUT_MS = 2000;
    static final long RECONNECT_MS = 1000;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    private static Map<String, Object> camera(String id) {
        List<Map<String, Object>> cams = given().auth().oauth2(TestTokens.token("ada", "admin", "*"))
                .when().get("/api/capture/cameras").then().statusCode(200).extract().jsonPath().getList("$");
        return cams.stream().filter(c -> id.equals(c.get("id"))).findFirst().orElse(null);
    }

    @SuppressWarnings("unchecked")
    private static String state(String id) {
        Map<String, Object> c = camera(id);
        Map<String, Object> s = c == null ? null : (Map<String, Object>) c.get("status");
        return s == null ? null : (String) s.get("state");
    }

    @SuppressWarnings("unchecked")
    private static String error(String id) {
        Map<String, Object> s = (Map<String, Object>) camera(id).get("status");
        return (String) s.get("lastError");
    }

    /** Polls until the camera's state matches; returns how long that took. */
    private static long awaitState(String id, Predicate<String> wanted, Duration deadline) throws InterruptedException {
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < deadline.toNanos()) {
            String s = state(id);
            if (s != null && wanted.test(s)) {
                return (System.nanoTime() - t0) / 1_000_000;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(id + " never reached the wanted state; last " + state(id));
    }

    @Test
    void anRtspCameraThatDropsOffAndComesBackIsReportedWithinTheBoundsAndItsPacketsResume() throws Exception {
        assumeTrue(RtspServer.available(), RtspServer::unavailableReason);
        awaitState("rtspcam", "online"::equals, Duration.ofSeconds(60));
        MediaPacket first = TopicProbe.await(bootstrap, Topics.MEDIA, Duration.ofSeconds(30), r -> {
            MediaPacket p = MediaPacket.read(r.key(), r.headers(), r.value());
            return p.cameraId().equals("rtspcam") && p.keyFrame() ? p : null;
        });
        assertThat(first.params().codec()).isEqualTo("h264");
        assertThat(first.params().width()).isEqualTo(640);

        CameraPeers.rtsp.stop();
        long lost = awaitState("rtspcam", Set.of("offline", "no_signal")::contains, Duration.ofSeconds(30));
        assertThat(lost).as("status left online %d ms after the camera went away", lost)
                .isLessThanOrEqualTo(TIMEOUT_MS + 1000);

        CameraPeers.rtsp.start();
        long back = awaitState("rtspcam", "online"::equals, Duration.ofSeconds(30));
        assertThat(back).as("online again %d ms after the camera came back", back).isLessThanOrEqualTo(RECONNECT_MS + 2000);
        System.out.printf("RTSP camera: status changed %d ms after the server died, online %d ms after it returned%n",
                lost, back);
        TopicProbe.await(bootstrap, Topics.MEDIA, Duration.ofSeconds(30), r -> {
            MediaPacket p = MediaPacket.read(r.key(), r.headers(), r.value());
            return p.cameraId().equals("rtspcam") && !p.session().equals(first.session()) ? p : null;
        });
    }

    @Test
    void anHttpMjpegCameraStreamsItsJpegsUntouchedAndIsAnalysed() throws Exception {
        awaitState("mjpegcam", "online"::equals, Duration.ofSeconds(60));
        MediaPacket p = TopicProbe.await(bootstrap, Topics.MEDIA, Duration.ofSeconds(30), r -> {
            MediaPacket m = MediaPacket.read(r.key(), r.headers(), r.value());
            return m.cameraId().equals("mjpegcam") && m.keyFrame() ? m : null;
        });
        assertThat(p.params().codec()).isEqualTo("mjpeg");
        assertThat(p.data()).startsWith((byte) 0xFF, (byte) 0xD8);
        TopicProbe.await(bootstrap, Topics.MOTION, Duration.ofSeconds(30),
                r -> "mjpegcam".equals(r.key()) ? r : null);
    }

    @Test
    void aFileCameraOfPeopleWalkingLoopsAndYieldsPersonDetectionsInItsMotionEvent() throws Exception {
        String pets = org.vigil.capture.bench.Pets2009.VIDEO;
        assumeTrue(org.vigil.capture.bench.Media.file(pets).isPresent(),
                () -> "skipped: " + org.vigil.capture.bench.Media.missing(pets));
        awaitState("pets", "online"::equals, Duration.ofSeconds(60));
        org.vigil.contracts.Detections d = TopicProbe.await(bootstrap, Topics.DETECTIONS, Duration.ofSeconds(60), r -> {
            org.vigil.contracts.Detections x = org.vigil.contracts.Json.read(r.value(), org.vigil.contracts.Detections.class);
            return x.cameraId().equals("pets") ? x : null;
        });
        assertThat(d.detector()).isEqualTo("hog-people");
        assertThat(d.objects()).allSatisfy(o -> {
            assertThat(o.label()).isEqualTo("person");
            assertThat(o.confidence()).isBetween(0.5, 1.0);
        });
        assertThat(d.eventId()).as("detections belong to the motion event in progress").isNotNull();
    }

    @Test
    void wrongCredentialsAreReportedWithoutShowingThePassword() throws Exception {
        assumeTrue(RtspServer.available(), RtspServer::unavailableReason);
        awaitState("wrongpass", "offline"::equals, Duration.ofSeconds(60));
        assertThat(error("wrongpass")).contains("401").contains(CameraPeers.USER + ":***@")
                .doesNotContain("not-the-password");
        String listing = given().auth().oauth2(TestTokens.token("ada", "admin", "*")).when().get("/api/capture/cameras")
                .then().extract().asString();
        assertThat(listing).doesNotContain("not-the-password").doesNotContain(CameraPeers.PASSWORD);
    }

    @Test
    void aCameraWithASealedPasswordIsOpenedWithItAndOneSealedForAnotherCameraIsNamed() throws Exception {
        assumeTrue(RtspServer.available(), RtspServer::unavailableReason);
        org.vigil.runtime.secrets.CameraKey key = org.vigil.runtime.secrets.CameraKey.load(CameraPeers.KEY);
        String bare = CameraPeers.secured.url().replace(CameraPeers.USER + ":" + CameraPeers.PASSWORD + "@", "");
        assertThat(bare).doesNotContain(CameraPeers.PASSWORD);
        String sealed = key.seal("sealed-ok", CameraPeers.PASSWORD);
        for (String id : List.of("sealed-ok", "sealed-copied")) {
            // the second carries the first's sealed password, copied: sealed for another camera, it does not open
            org.vigil.contracts.CameraConfig c = new org.vigil.contracts.CameraConfig(1, id, id, "peers", bare, null,
                    false, 0.5, null, null, java.time.Instant.now(), "test", true, CameraPeers.USER, sealed, 0.0,
                    null, null);
            org.vigil.devstack.testing.TopicProbe.send(bootstrap, org.vigil.contracts.Topics.CAMERAS, id,
                    org.vigil.contracts.Json.write(c));
        }
        try {
            awaitState("sealed-ok", "online"::equals, Duration.ofSeconds(60));
            awaitState("sealed-copied", "offline"::equals, Duration.ofSeconds(60));
            assertThat(error("sealed-copied")).contains("sealed for another camera");
            String listing = given().auth().oauth2(TestTokens.token("ada", "admin", "*")).when()
                    .get("/api/capture/cameras").then().extract().asString();
            assertThat(listing).doesNotContain(CameraPeers.PASSWORD);
        } finally {
            for (String id : List.of("sealed-ok", "sealed-copied")) {
                org.vigil.devstack.testing.TopicProbe.send(bootstrap, org.vigil.contracts.Topics.CAMERAS, id, null);
            }
        }
    }

    @Test
    void garbageBytesAWebPageAndAMalformedUrlAreOfflineWithAReasonWhileTheRestRuns() throws Exception {
        for (String id : List.of("garbage", "webpage", "nohost")) {
            awaitState(id, "offline"::equals, Duration.ofSeconds(60));
            assertThat(error(id)).as(id).isNotBlank();
        }
        awaitState("mjpegcam", "online"::equals, Duration.ofSeconds(30));
        given().when().get(org.vigil.devstack.testing.Management.url("/q/health/live")).then().statusCode(200);
    }

    @Test
    void anUnknownSchemeIsNotRegistered() throws Exception {
        awaitState("mjpegcam", "online"::equals, Duration.ofSeconds(60));
        List<Map<String, Object>> cams = given().auth().oauth2(TestTokens.token("ada", "admin", "*"))
                .when().get("/api/capture/cameras").then().extract().jsonPath().getList("$");
        assertThat(cams).noneMatch(c -> String.valueOf(c.get("source")).startsWith("ftp:"));
    }

    // ---- probes before saving (design 0018 §5), against the same peers

    private static io.restassured.response.ValidatableResponse probe(String id, String url, String sub, String user,
            String sealed) {
        org.vigil.contracts.CameraConfig c = new org.vigil.contracts.CameraConfig(1, id, id, "peers", url, sub, true,
                0.5, null, null, java.time.Instant.now(), "test", true, user, sealed, 0.0, null, null);
        return given().auth().oauth2(TestTokens.token("ada", "admin", "peers")).contentType("application/json")
                .body(org.vigil.contracts.Json.write(c)).when().post("/api/capture/probe").then();
    }

    @Test
    void aProbeOfTheRtspCameraAnswersItsStreamAndASnapshotAndOfTheMjpegCameraToo() throws Exception {
        assumeTrue(RtspServer.available(), RtspServer::unavailableReason);
        var rtsp = probe("probe-rtsp", CameraPeers.rtsp.url(), null, null, null).statusCode(200).extract()
                .jsonPath();
        assertThat(rtsp.getBoolean("ok")).as(rtsp.prettify()).isTrue();
        assertThat(rtsp.getString("main.codec")).isEqualTo("h264");
        assertThat(rtsp.getInt("main.width")).isEqualTo(640);
        assertThat(rtsp.getInt("main.height")).isEqualTo(360);
        assertThat(rtsp.getDouble("main.fps")).isBetween(14.0, 16.0);
        assertThat(rtsp.getBoolean("main.audio")).isFalse();
        assertThat(rtsp.getBoolean("main.recordable")).isTrue();
        assertThat(rtsp.getLong("tookMs")).isLessThan(TIMEOUT_MS * 3);
        byte[] jpeg = java.util.Base64.getDecoder().decode(rtsp.getString("snapshot"));
        try (org.bytedeco.opencv.opencv_core.Mat m = org.bytedeco.opencv.global.opencv_imgcodecs.imdecode(
                new org.bytedeco.opencv.opencv_core.Mat(jpeg), org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR)) {
            assertThat(m.cols()).as("the snapshot is the camera's picture, at its size").isEqualTo(640);
            assertThat(m.rows()).isEqualTo(360);
        }

        var mjpeg = probe("probe-mjpeg", CameraPeers.httpBase + "/mjpeg", null, null, null).statusCode(200)
                .extract().jsonPath();
        assertThat(mjpeg.getBoolean("ok")).as(mjpeg.prettify()).isTrue();
        assertThat(mjpeg.getString("main.codec")).isEqualTo("mjpeg");
        assertThat(mjpeg.getInt("main.width")).isEqualTo(320);
        assertThat(mjpeg.getInt("main.height")).isEqualTo(240);
        assertThat(mjpeg.getString("snapshot")).isNotEmpty();
    }

    @Test
    void aProbeNamesWhatIsWrongPreciselyWithoutShowingThePassword() throws Exception {
        assumeTrue(RtspServer.available(), RtspServer::unavailableReason);
        org.vigil.runtime.secrets.CameraKey key = org.vigil.runtime.secrets.CameraKey.load(CameraPeers.KEY);
        String bare = CameraPeers.secured.url().replace(CameraPeers.USER + ":" + CameraPeers.PASSWORD + "@", "");
        // the right password, sealed as the gateway seals it: opens
        probe("probe-auth", bare, null, CameraPeers.USER, key.seal("probe-auth", CameraPeers.PASSWORD))
                .statusCode(200).body("ok", org.hamcrest.Matchers.is(true));
        // a wrong one: the camera's 401, on the password field
        String wrong = probe("probe-auth", bare, null, CameraPeers.USER, key.seal("probe-auth", "not-it"))
                .statusCode(200).body("ok", org.hamcrest.Matchers.is(false))
                .body("reason", org.hamcrest.Matchers.equalTo("unauthorized"))
                .body("field", org.hamcrest.Matchers.equalTo("password")).extract().asString();
        assertThat(wrong).doesNotContain("not-it").doesNotContain(CameraPeers.PASSWORD);
        // a path the RTSP server does not serve
        probe("probe-404", CameraPeers.rtsp.url().replace("/cam", "/nothing-here"), null, null, null).statusCode(200)
                .body("reason", org.hamcrest.Matchers.equalTo("not_found"));
        // nothing listens: refused at once
        probe("probe-refused", "rtsp://127.0.0.1:" + org.vigil.devstack.testing.SharedServers.freePort() + "/x", null,
                null, null).statusCode(200).body("reason", org.hamcrest.Matchers.equalTo("unreachable"))
                .body("field", org.hamcrest.Matchers.equalTo("url"));
        // something accepts the connection and never answers: unreachable after the RTSP timeout, not before
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getLoopbackAddress())) {
            var r = probe("probe-silent", "rtsp://127.0.0.1:" + silent.getLocalPort() + "/x", null, null, null)
                    .statusCode(200).body("reason", org.hamcrest.Matchers.equalTo("unreachable")).extract().jsonPath();
            assertThat(r.getLong("tookMs")).isBetween(TIMEOUT_MS - 100, TIMEOUT_MS * 3);
            assertThat(r.getString("message")).contains("no answer within " + TIMEOUT_MS + " ms");
        }
        // a web page and random bytes are not video
        probe("probe-page", CameraPeers.httpBase + "/page", null, null, null).statusCode(200)
                .body("reason", org.hamcrest.Matchers.equalTo("not_video"));
        probe("probe-noise", CameraPeers.httpBase + "/garbage", null, null, null).statusCode(200)
                .body("reason", org.hamcrest.Matchers.equalTo("not_video"));
        // a sub-stream of another shape (the MJPEG camera's 4:3 under the RTSP camera's 16:9)
        probe("probe-sub", CameraPeers.rtsp.url(), CameraPeers.httpBase + "/mjpeg", null, null).statusCode(200)
                .body("ok", org.hamcrest.Matchers.is(false))
                .body("reason", org.hamcrest.Matchers.equalTo("substream_scene_differs"))
                .body("field", org.hamcrest.Matchers.equalTo("subStreamUrl"))
                .body("main.width", org.hamcrest.Matchers.equalTo(640)).body("sub.width", org.hamcrest.Matchers
                        .equalTo(320));
        // and a sub-stream of the same shape passes
        probe("probe-sub-ok", CameraPeers.rtsp.url(), "test:?size=320x180&fps=5", null, null).statusCode(200)
                .body("ok", org.hamcrest.Matchers.is(true)).body("sub.height", org.hamcrest.Matchers.equalTo(180));
    }

    @Test
    void aProbeIsForAdminsOfTheSiteThisInstanceCapturesForAndNeverOpensAFile() {
        org.vigil.contracts.CameraConfig c = new org.vigil.contracts.CameraConfig(1, "probe-x", "x", "peers",
                "test:", null, true, 0.5, null, null, java.time.Instant.now(), "test");
        given().auth().oauth2(TestTokens.token("olga", "operator", "peers")).contentType("application/json")
                .body(org.vigil.contracts.Json.write(c)).when().post("/api/capture/probe").then().statusCode(403);
        given().auth().oauth2(TestTokens.token("ada", "admin", "hq")).contentType("application/json")
                .body(org.vigil.contracts.Json.write(c)).when().post("/api/capture/probe").then().statusCode(403);
        org.vigil.contracts.CameraConfig elsewhere = new org.vigil.contracts.CameraConfig(1, "probe-x", "x", "hq",
                "test:", null, true, 0.5, null, null, java.time.Instant.now(), "test");
        given().auth().oauth2(TestTokens.token("ada", "admin", "*")).contentType("application/json")
                .body(org.vigil.contracts.Json.write(elsewhere)).when().post("/api/capture/probe").then()
                .statusCode(400).body("error", org.hamcrest.Matchers.equalTo("wrong_site"));
        org.vigil.contracts.CameraConfig file = new org.vigil.contracts.CameraConfig(1, "probe-x", "x", "peers",
                "file:/etc/passwd", null, true, 0.5, null, null, java.time.Instant.now(), "test");
        given().auth().oauth2(TestTokens.token("ada", "admin", "*")).contentType("application/json")
                .body(org.vigil.contracts.Json.write(file)).when().post("/api/capture/probe").then()
                .statusCode(400).body("message", org.hamcrest.Matchers.containsString("not a camera address"));
    }

    @Test
    void anH265CameraIsNamedAsACodecAnAviSegmentCannotHold() throws Exception {
        assumeTrue(RtspServer.h265Available(), "GStreamer's x265enc is not installed (gstreamer1.0-plugins-bad)");
        try (RtspServer h265 = RtspServer.h265(org.vigil.devstack.testing.SharedServers.freePort(), "/hevc").start()) {
            // the peer builds its live x265 pipeline on its first client, which on a loaded machine takes longer than
            // the 2 s RTSP timeout here: asked again until it answers in time (the peer's start, not Vigil's)
            var r = probe("probe-hevc", h265.url(), null, null, null).statusCode(200).extract().jsonPath();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while ("unreachable".equals(r.getString("reason")) && System.nanoTime() < deadline) {
                r = probe("probe-hevc", h265.url(), null, null, null).statusCode(200).extract().jsonPath();
            }
            assertThat(r.getBoolean("ok")).as(r.prettify()).isFalse();
            assertThat(r.getString("reason")).isEqualTo("codec_not_recordable");
            assertThat(r.getString("main.codec")).isEqualTo("hevc");
            assertThat(r.getInt("main.width")).isEqualTo(320);
            assertThat(r.getString("message")).contains("H.264");
        }
        // the check is FFmpeg's own, the recorder's: AVI holds these untouched
        for (String codec : List.of("h264", "mjpeg", "mpeg4")) {
            assertThat(org.vigil.capture.probe.StreamProbeAccess.recordable(codec)).as(codec).isTrue();
        }
        assertThat(org.vigil.capture.probe.StreamProbeAccess.recordable("no-such-codec")).isFalse();
    }
}
