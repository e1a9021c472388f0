package org.vigil.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.Topics;
import org.vigil.contracts.Zone;
import org.vigil.devstack.testing.Browser;
import org.vigil.devstack.testing.JavaCommand;
import org.vigil.devstack.testing.TopicProbe;

/**
 * The system as operators meet it, on two sites: {@code cam-a} on site-a (from CAMERA_SOURCES) and {@code cam-b} on
 * site-b (added to the registry, with markup in its name). First the access matrix: every endpoint, through the
 * gateway and on each backend directly, for each role, on the caller's own site and on the other.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Order(1) // first on the shared stack: WholeStackIT, next, ends by killing and stopping it
class OperatorUiIT {

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final String HOSTILE_NAME = "<img src=x onerror=\"window.pwned=1\">Yard & Co";
    static Stack stack;
    static String admin;
    static final Map<String, String> tokens = new LinkedHashMap<>();

    @BeforeAll
    static void up() throws Exception {
        // the shared stack (SharedStack): cam-a on site-a from CAMERA_SOURCES, the gateway signing with the test key, so
        // the matrix's tokens stand for tokens the gateway gave out (a browser's session token is for the gateway
        // only: it is no key to a backend)
        stack = SharedStack.get();
        login("admin", SharedStack.adminPassword()); // the printed password works
        admin = org.vigil.devstack.testing.TestTokens.token("admin", "admin", "*");
        List<Zone> clockMask = List.of(new Zone("clock", List.of(new Zone.Point(0, 0), new Zone.Point(1, 0),
                new Zone.Point(1, 0.12), new Zone.Point(0, 0.12))));
        // small and slow: the shared stack streams it for the rest of the run, and only its name, site and events count
        CameraConfig camB = new CameraConfig(CameraConfig.VERSION, "cam-b", HOSTILE_NAME, "site-b",
                "test:?size=320x180&fps=10", null, true, 0.5, List.of(), clockMask, Instant.now(), "test");
        TopicProbe.send("127.0.0.1:" + stack.port("KAFKA_PORT"), Topics.CAMERAS, camB.id(), Json.write(camB));
        for (String role : AccessMatrix.ROLES) {
            createUser("matrix-" + role, role, "site-a");
            login("matrix-" + role, "matrix-password-" + role);
            tokens.put(role, org.vigil.devstack.testing.TestTokens.token("matrix-" + role, role, "site-a"));
        }
        createUser("matrix-target", "viewer", "site-a");
        createUser("viewer-b", "viewer", "site-b");
    }

    // no @AfterAll: WholeStackIT runs next on the same stack and stops it (SharedStack)

    @Test
    @Order(1)
    void everyEndpointAnswersEachRoleOnItsOwnSiteAndTheOther() throws Exception {
        JsonNode segA = awaitSegment("cam-a");
        awaitSegment("cam-b");
        String eventA = awaitEvent("cam-a");
        String eventB = awaitEvent("cam-b");
        String from = segA.path("startedAt").asText();
        String to = segA.path("endedAt").asText();
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (AccessMatrix row : AccessMatrix.rows()) {
            for (String role : AccessMatrix.ROLES) {
                for (boolean own : List.of(true, false)) {
                    Map<String, String> values = Map.of("cam", own ? "cam-a" : "cam-b", "site",
                            own ? "site-a" : "site-b", "event", own ? eventA : eventB, "user", "matrix-target",
                            "from", URLEncoder.encode(from, StandardCharsets.UTF_8), "to",
                            URLEncoder.encode(to, StandardCharsets.UTF_8), "fromIso", from, "toIso", to);
                    String path = row.resolve(values);
                    String body = row.resolveBody(values);
                    HttpResponse<String> r = call(row.service(), row.method(), path, body, tokens.get(role));
                    int expected = row.expected(role, own);
                    checked++;
                    if (r.statusCode() != expected) {
                        failures.add(String.format("%s %s %s as %s on %s site: expected %d, got %d %s", row.service(),
                                row.method(), path, role, own ? "own" : "other", expected, r.statusCode(),
                                r.body().length() > 200 ? r.body().substring(0, 200) : r.body()));
                    }
                }
            }
        }
        assertThat(failures).as(checked + " calls checked").isEmpty();
        assertThat(checked).isEqualTo(AccessMatrix.rows().size() * 6);
    }

    @Test
    @Order(2)
    void anAdminProbesACameraThroughTheGatewayAtItsSitesCaptureInstanceAndNothingIsStored() throws Exception {
        HttpResponse<String> ok = call("gateway", "POST", "/api/cameras/probe", "{\"id\":\"probe-sys\",\"site\":"
                + "\"site-b\",\"url\":\"test:?size=640x360&fps=5\"}", admin);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        JsonNode r = Json.mapper().readTree(ok.body());
        assertThat(r.path("ok").asBoolean()).as(ok.body()).isTrue();
        assertThat(r.path("main").path("codec").asText()).isEqualTo("h264");
        assertThat(r.path("main").path("width").asInt()).isEqualTo(640);
        assertThat(r.path("main").path("fps").asDouble()).isEqualTo(5.0);
        assertThat(java.util.Base64.getDecoder().decode(r.path("snapshot").asText())).startsWith(0xFF, 0xD8);
        HttpResponse<String> refused = call("gateway", "POST", "/api/cameras/probe", "{\"id\":\"probe-sys\",\"site\":"
                + "\"site-a\",\"url\":\"rtsp://127.0.0.1:" + org.vigil.devstack.testing.SharedServers.freePort()
                + "/x\"}", admin);
        assertThat(Json.mapper().readTree(refused.body()).path("reason").asText()).as(refused.body())
                .isEqualTo("unreachable");
        assertThat(call("gateway", "GET", "/api/cameras/probe-sys", null, admin).statusCode()).isEqualTo(404);
    }

    @Test
    @Order(2)
    void listsNeverShowAnotherSite() throws Exception {
        for (String role : AccessMatrix.ROLES) {
            String token = tokens.get(role);
            for (String[] call : new String[][] {{"gateway", "/api/cameras"}, {"gateway", "/api/events"},
                    {"gateway", "/api/segments?camera=cam-b"}, {"gateway", "/api/bookmarks"},
                    {"capture", "/api/capture/cameras"},
                    {"events", "/api/cameras/status"}, {"events", "/api/events?camera=cam-b"}}) {
                HttpResponse<String> r = call(call[0], "GET", call[1], null, token);
                assertThat(r.statusCode()).as(call[1]).isEqualTo(200);
                assertThat(r.body()).as(role + " " + call[0] + call[1]).doesNotContain("cam-b")
                        .doesNotContain("site-b");
            }
        }
        // and the global admin does see both, so the lists above were not empty by accident
        assertThat(call("gateway", "GET", "/api/cameras", null, admin).body()).contains("cam-a", "cam-b");
    }

    @Test
    @Order(9)
    void anOperatorsExportVerifiesOfflineWithThePublishedKey() throws Exception {
        JsonNode seg = awaitSegment("cam-a");
        String token = tokens.get("operator");
        HttpResponse<String> viewed = call("gateway", "GET", "/api/recorder/playback/cam-a.mp4?from="
                + URLEncoder.encode(seg.path("startedAt").asText(), StandardCharsets.UTF_8) + "&to="
                + URLEncoder.encode(seg.path("endedAt").asText(), StandardCharsets.UTF_8), null, token);
        assertThat(viewed.statusCode()).isEqualTo(200);
        HttpResponse<String> created = call("gateway", "POST", "/api/exports", "{\"cameras\":[\"cam-a\"],\"from\":\""
                + seg.path("startedAt").asText() + "\",\"to\":\"" + seg.path("endedAt").asText()
                + "\",\"reason\":\"system test\",\"caseId\":\"SYS-1\",\"includeMp4\":true}", token);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
        String id = Json.mapper().readTree(created.body()).path("id").asText();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        JsonNode job = null;
        while (System.nanoTime() < deadline) {
            job = Json.mapper().readTree(call("gateway", "GET", "/api/exports/" + id, null, token).body());
            if (List.of("done", "failed").contains(job.path("state").asText())) {
                break;
            }
            Thread.sleep(300);
        }
        assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("done");
        HttpResponse<java.io.InputStream> zip = HTTP.send(HttpRequest.newBuilder(URI.create(gatewayUrl() + "/api/exports/"
                + id + "/download")).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(zip.statusCode()).isEqualTo(200);
        assertThat(zip.headers().firstValue("X-Export-UTC")).isPresent();
        Path file = Path.of("target", "export-" + id + ".zip");
        java.nio.file.Files.copy(zip.body(), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path key = Path.of("target", "published-key.pem");
        java.nio.file.Files.writeString(key, Json.mapper().readTree(call("gateway", "GET", "/api/exports/keys", null,
                token).body()).path("publicKeyPem").asText());
        Stack.Result verified = stack.run(List.of("verify", "--key", key.toAbsolutePath().toString(),
                file.toAbsolutePath().toString()), Map.of(), Duration.ofSeconds(60));
        assertThat(verified.exitCode()).as(verified.output()).isZero();
        assertThat(verified.output()).contains("OK:").doesNotContain("WARNING");
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(file.toFile())) {
            String audit = new String(z.getInputStream(z.getEntry("audit.jsonl")).readAllBytes(), StandardCharsets.UTF_8);
            assertThat(audit).as("the excerpt holds this export's own entry").contains("\"action\":\"export.create\"")
                    .contains(id);
            assertThat(audit).as("and the viewings of the footage")
                    .contains("\"action\":\"recording.view\"");
            String avi = seg.path("path").asText();
            byte[] original = java.nio.file.Files.readAllBytes(Path.of(seg.path("root").asText()).resolve(avi));
            byte[] packed = z.getInputStream(z.getEntry("segments/cam-a/" + Path.of(avi).getFileName())).readAllBytes();
            assertThat(packed).as("bit for bit").isEqualTo(original);
            Path mp4 = Path.of("target", "export-" + id + ".mp4");
            java.nio.file.Files.write(mp4, z.getInputStream(z.getEntry("mp4/cam-a.mp4")).readAllBytes());
            long originalFrames = 0; // every segment the range touched (neighbours may overlap its edges)
            for (java.util.zip.ZipEntry e : java.util.Collections.list(z.entries())) {
                if (e.getName().startsWith("segments/cam-a/")) {
                    Path part = Path.of("target", "export-" + id + "-" + Path.of(e.getName()).getFileName());
                    java.nio.file.Files.write(part, z.getInputStream(e).readAllBytes());
                    originalFrames += org.vigil.devstack.testing.TestClips.decodedFrames(part);
                }
            }
            assertThat(originalFrames).isGreaterThanOrEqualTo(seg.path("frames").asLong());
            assertThat(org.vigil.devstack.testing.TestClips.decodedFrames(mp4)).as("the MP4 copy has every frame")
                    .isEqualTo(originalFrames);
        }
        Stack.Result chain = stack.run(List.of("verify-audit"), Map.of(), Duration.ofSeconds(60));
        assertThat(chain.exitCode()).as(chain.output()).isZero();
        assertThat(chain.output()).contains("OK: the audit log's hash chain holds");
    }

    // ---- in a real browser (Debian's Chromium, headless)

    static final Path SCREENSHOTS = Path.of("target", "screenshots").toAbsolutePath();

    /** The class's one Chromium (cleared between tests, as a new profile would be), signed in as {@code user}. */
    static Browser signedIn(String user, String password, String query) {
        Browser b = Browser.reused(Duration.ofSeconds(60));
        try {
            String form = "document.querySelector('#login-username') && !document.querySelector('#signin').hidden";
            b.navigate(gatewayUrl() + "/" + query + "#/dashboard");
            try {
                b.waitFor(form, Duration.ofSeconds(30));
            } catch (AssertionError e) {
                // Chromium drops the page's module loads when the host's interfaces change: another lane's WAN test
                // creating network namespaces at that moment (net::ERR_NETWORK_CHANGED); loaded once more
                if (!String.valueOf(e.getMessage()).contains("ERR_NETWORK_CHANGED")) {
                    throw e;
                }
                b.navigate(gatewayUrl() + "/" + query + "#/dashboard");
                b.waitFor(form, Duration.ofSeconds(30));
            }
            b.screenshot(SCREENSHOTS.resolve("signin.png"));
            b.type("#login-username", user);
            b.type("#login-password", password);
            b.click("#login-submit");
            b.waitFor("document.querySelector('#user-name') && document.querySelector('#user-name').textContent === '"
                    + user + "'", Duration.ofSeconds(30));
            return b;
        } catch (RuntimeException | AssertionError e) {
            b.close();
            throw e;
        }
    }

    static String gatewayUrl() {
        return "http://127.0.0.1:" + port("gateway");
    }

    static void go(Browser b, String route, String readyExpression) {
        b.evaluate("location.hash = '" + route + "'");
        b.waitFor(readyExpression, Duration.ofSeconds(60));
    }

    @Test
    @Order(3)
    void anOperatorSignsInSeesLiveVideoAndANewMotionEventWithoutReloading() throws Exception {
        assumeBrowser();
        try (Browser b = signedIn("admin", SharedStack.adminPassword(), "")) {
            go(b, "#/dashboard", "document.querySelector('#camera-tiles li[data-camera=\"cam-a\"][data-state=\"online\"]')");
            b.waitFor("document.querySelector('#system-status li[data-service]')", Duration.ofSeconds(30));
            // cam-a under its site, which this box's recorder keeps in contact (its heartbeats)
            b.waitFor("document.querySelector('.site-group[data-site=\"site-a\"] li[data-camera=\"cam-a\"]') && "
                    + "document.querySelector('.site-group[data-site=\"site-a\"] .site-state[data-state=\"connected\"]')",
                    Duration.ofSeconds(30));
            b.screenshot(SCREENSHOTS.resolve("dashboard.png"));

            go(b, "#/live", "document.querySelector('canvas[data-live=\"cam-a\"]')");
            long first = b.waitFor("Number(document.querySelector('canvas[data-live=\"cam-a\"]').dataset.frames) >= 3 "
                    + "&& Number(document.querySelector('canvas[data-live=\"cam-a\"]').dataset.frames)",
                    Duration.ofSeconds(30)).asLong();
            b.waitFor("Number(document.querySelector('canvas[data-live=\"cam-a\"]').dataset.frames) > " + (first + 5),
                    Duration.ofSeconds(30));
            b.screenshot(SCREENSHOTS.resolve("live.png"));

            go(b, "#/events", "document.querySelector('#event-list')");
            String before = b.evaluate("JSON.stringify([...document.querySelectorAll('#event-list li[data-event-id]')]"
                    + ".map(li => li.dataset.eventId))").asText();
            b.evaluate("window.__vigilNoReload = 1");
            // the synthetic figure walks every 16 s: a new row must appear by itself, the page never reloaded
            String fresh = b.waitFor("(() => { const seen = " + before + "; const row = [...document.querySelectorAll("
                    + "'#event-list li[data-event-id]')].find(li => !seen.includes(li.dataset.eventId)); "
                    + "return row && window.__vigilNoReload === 1 ? row.dataset.eventId : null; })()",
                    Duration.ofSeconds(60)).asText();
            assertThat(fresh).isNotBlank();
            b.waitFor("document.querySelector('#event-list li[data-event-id] img.thumb')", Duration.ofSeconds(60));
            b.screenshot(SCREENSHOTS.resolve("events.png"));
        }
    }

    @Test
    @Order(4)
    void aRecordingPlaysFromTheTimeline() throws Exception {
        assumeBrowser();
        try (Browser b = signedIn("admin", SharedStack.adminPassword(), "")) {
            go(b, "#/recordings?camera=cam-a", "document.querySelector('#timeline button.seg')");
            // by keyboard: a day of short segments makes slivers too thin to aim at with a mouse
            startTheLastSpanByKeyboard(b);
            JsonNode playing;
            try {
                playing = b.waitFor("(() => { const v = document.querySelector('#playback'); if (!v) return null; "
                        + "if (v.error) return 'error ' + v.error.code; if (v.readyState >= 2 && v.paused) v.play(); "
                        + "return v.readyState >= 2 && v.currentTime > 0.3 ? v.currentTime : null; })()",
                        Duration.ofSeconds(60));
            } catch (AssertionError e) {
                // this wait has failed now and then under the suite's load: say what the player was doing
                String player = b.evaluate("JSON.stringify((() => { const v = document.querySelector('#playback'); "
                        + "const f = document.activeElement; return { src: v && v.currentSrc, readyState: v && "
                        + "v.readyState, networkState: v && v.networkState, currentTime: v && v.currentTime, paused: "
                        + "v && v.paused, buffered: v && v.buffered.length, span: f && f.dataset ? [f.dataset.start, "
                        + "f.dataset.end] : null, spans: document.querySelectorAll('#timeline button.seg').length }; "
                        + "})())").asText();
                throw new AssertionError(e.getMessage() + "\n  player: " + player, e);
            }
            assertThat(playing.isNumber()).as("the video plays (" + playing + ")").isTrue();
            assertThat(b.evaluate("document.querySelector('#download') !== null").asBoolean())
                    .as("admins may download").isTrue();
            b.screenshot(SCREENSHOTS.resolve("recordings.png"));
            // Space pauses and plays again from anywhere on the page but a control
            b.evaluate("document.activeElement.blur()");
            b.press("Space");
            b.waitFor("document.querySelector('#playback').paused", Duration.ofSeconds(10));
            b.press("Space");
            b.waitFor("!document.querySelector('#playback').paused", Duration.ofSeconds(10));
        }
    }

    @Test
    @Order(4)
    void theTimelinePlaysTwoCamerasInStepAcrossSegmentCutsWithSpansMarkersZoomSpeedsFrameStepAndBookmarks()
            throws Exception {
        assumeBrowser();
        String other = "cam-b"; // site-b's camera, recording since the class began: an admin sees both sites
        try (Browser b = signedIn("admin", SharedStack.adminPassword(), "")) {
            // a moment cam-a recorded on both sides of a segment cut (segments of 4 s) while cam-b records too
            String today = "new Date(new Date().setHours(0, 0, 0, 0)).toISOString()";
            String segmentsOf = "fetch('/api/segments?limit=500&camera=%s&from=' + %s + '&to=' + new Date(Date.now() + "
                    + "3600e3).toISOString()).then(r => r.json()).then(s => JSON.stringify(s))";
            b.navigate(gatewayUrl() + "/#/dashboard");
            JsonNode otherSegments = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline) {
                otherSegments = Json.mapper().readTree(b.evaluate(String.format(segmentsOf, other, today)).asText());
                if (otherSegments.size() >= 6) { // 24 s: the clip opened holds enough beyond the cut to play at 4x
                    break;
                }
                Thread.sleep(500);
            }
            assertThat(otherSegments.size()).as("cam-b's segments").isGreaterThanOrEqualTo(6);
            Instant otherFrom = Instant.parse(otherSegments.get(0).path("startedAt").asText());
            JsonNode segments = Json.mapper().readTree(b.evaluate(String.format(segmentsOf, "cam-a", "'" + otherFrom
                    + "'")).asText());
            Instant cut = null;
            for (int i = 0; i + 1 < segments.size() && cut == null; i++) {
                Instant end = Instant.parse(segments.get(i).path("endedAt").asText());
                Instant next = Instant.parse(segments.get(i + 1).path("startedAt").asText());
                if (end.isAfter(otherFrom.plusSeconds(4)) && Duration.between(end, next).abs().toMillis() < 1000) {
                    cut = end;
                }
            }
            assertThat(cut).as("a cut between two of cam-a's segments while cam-b records").isNotNull();
            // from an event's link: 30 s before the moment given; the playhead 3 s before the cut
            go(b, "#/recordings?camera=cam-a&at=" + cut.plusSeconds(27), "document.querySelector('.tl-row[data-camera="
                    + "\"cam-a\"] button.seg')");

            // spans: cam-a's segments of the day (hundreds, of 4 s) merged where they meet, gaps kept: one button each
            JsonNode expected = Json.mapper().readTree(b.evaluate("fetch('/api/segments/spans?camera=cam-a&from=' + "
                    + today + " + '&to=' + new Date(Date.now() + 3600e3).toISOString()).then(r => r.json()).then(s "
                    + "=> JSON.stringify(s))").asText());
            long inSpans = 0;
            for (JsonNode span : expected) {
                inSpans += span.path("segments").asLong();
            }
            assertThat(inSpans).as("segments in cam-a's spans").isGreaterThan(expected.size());
            String spans = "document.querySelectorAll('.tl-row[data-camera=\"cam-a\"] button.seg').length";
            b.waitFor(spans + " >= " + expected.size(), Duration.ofSeconds(20));
            assertThat(b.evaluate(spans).asInt()).as(inSpans + " segments in " + expected.size() + " spans")
                    .isBetween(expected.size(), expected.size() + 1); // a gap closing meanwhile may add one

            // a second camera, in step with the first
            b.click("input[data-camera-choice=\"" + other + "\"]");
            String lead = "document.querySelector('#playback')";
            String follower = "document.querySelector('video[data-camera=\"" + other + "\"]')";
            String wall = "(v => Date.parse(v.dataset.start) + v.currentTime * 1000)";
            b.waitFor(follower + " && " + follower + ".readyState >= 2 && " + lead + ".readyState >= 2 && !" + lead
                    + ".paused", Duration.ofSeconds(60));
            b.waitFor("Math.abs(" + wall + "(" + lead + ") - " + wall + "(" + follower + ")) < 400 && !" + follower
                    + ".paused", Duration.ofSeconds(20));
            // playback goes on across the cut: one buffered range holds both sides of it, and the playhead passes it
            b.waitFor("Date.parse(document.querySelector('#timeline').dataset.cursor) > " + cut.plusSeconds(2)
                    .toEpochMilli(), Duration.ofSeconds(40));
            double cutAt = (cut.toEpochMilli() - Instant.parse(b.evaluate(lead + ".dataset.start").asText())
                    .toEpochMilli()) / 1000.0;
            assertThat(b.evaluate("(v => [...Array(v.buffered.length).keys()].some(i => v.buffered.start(i) <= "
                    + (cutAt - 1) + " && v.buffered.end(i) >= " + (cutAt + 1) + "))(" + lead + ")").asBoolean())
                    .as("one buffered range across the cut at %.1f s", cutAt).isTrue();
            // in step: the follower is put back within 250 ms every 200 ms, so on a loaded machine a follower that
            // stalled a moment at the cut (its own segments cut too) is back within a few seconds
            long inStepBy = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            double drift = Math.abs(b.evaluate(wall + "(" + lead + ") - " + wall + "(" + follower + ")").asDouble());
            while (drift >= 1000 && System.nanoTime() < inStepBy) {
                Thread.sleep(200);
                drift = Math.abs(b.evaluate(wall + "(" + lead + ") - " + wall + "(" + follower + ")").asDouble());
            }
            assertThat(drift).as("the two cameras' playheads apart (ms), 10 s after the cut").isLessThan(1000);

            // 4x: the playhead runs about four times as fast as the clock
            b.evaluate("document.querySelector('#tl-speed').value = '4'; document.querySelector('#tl-speed')"
                    + ".dispatchEvent(new Event('change'))");
            b.evaluate("window.vigilSpeed = {at: performance.now(), t: " + wall + "(" + lead + ")}");
            b.waitFor("performance.now() - window.vigilSpeed.at > 1500", Duration.ofSeconds(10));
            double rate = b.evaluate("(" + wall + "(" + lead + ") - window.vigilSpeed.t) / (performance.now() - "
                    + "window.vigilSpeed.at)").asDouble();
            assertThat(rate).as("playhead seconds per second at 4x").isBetween(2.5, 4.6);

            // a frame step: paused, one frame (10 fps) on
            b.click("#tl-play");
            b.waitFor(lead + ".paused", Duration.ofSeconds(5));
            double before = b.evaluate(lead + ".currentTime").asDouble();
            b.click("#tl-step");
            b.waitFor("!" + lead + ".seeking && " + lead + ".currentTime > " + before, Duration.ofSeconds(10));
            assertThat(b.evaluate(lead + ".currentTime").asDouble() - before).as("one frame").isBetween(0.05, 0.2);

            // zoom down to 1 min: ticks with seconds, each with its UTC time
            b.evaluate("document.querySelector('#tl-zoom').value = '5'; document.querySelector('#tl-zoom')"
                    + ".dispatchEvent(new Event('change'))");
            assertThat(b.evaluate("document.querySelector('#timeline').dataset.viewMs").asText()).isEqualTo("60000");
            assertThat(b.evaluate("document.querySelector('.tl-axis span').textContent").asText())
                    .matches("\\d\\d:\\d\\d:\\d\\d");
            assertThat(b.evaluate("document.querySelector('.tl-axis span').title").asText()).endsWith("Z");

            // hovering a row shows the frame at that moment
            b.evaluate("(() => { const t = document.querySelector('.tl-row[data-camera=\"cam-a\"] .tl-track'); "
                    + "const r = t.getBoundingClientRect(); const v = document.querySelector('#timeline').dataset; "
                    + "const at = Date.parse(v.cursor) + 2000; const x = r.left + (at - Date.parse(v.viewStart)) / "
                    + "Number(v.viewMs) * r.width; window.vigilHover = at; t.dispatchEvent(new MouseEvent('mousemove', "
                    + "{clientX: x, clientY: r.top + 5, bubbles: true})); })()");
            b.waitFor("document.querySelector('#tl-thumb').dataset.frameAt && !document.querySelector('#tl-thumb')"
                    + ".hidden", Duration.ofSeconds(20));
            assertThat(b.evaluate("Math.abs(Date.parse(document.querySelector('#tl-thumb').dataset.frameAt) - "
                    + "window.vigilHover)").asDouble()).as("the thumbnail's frame against the hovered moment (ms)")
                    .isLessThan(1000.0); // at 1 min, a pixel is about 50 ms

            // events as markers; the previous event puts the playhead 5 s before one of them
            b.evaluate("document.querySelector('#tl-zoom').value = '0'; document.querySelector('#tl-zoom')"
                    + ".dispatchEvent(new Event('change'))");
            assertThat(b.evaluate("document.querySelectorAll('.tl-row[data-camera=\"cam-a\"] .tl-event').length")
                    .asInt()).as("cam-a's motion events on the timeline").isPositive();
            b.evaluate("window.vigilBefore = document.querySelector('#timeline').dataset.cursor");
            b.click("#tl-prev-event");
            b.waitFor("document.querySelector('#timeline').dataset.cursor !== window.vigilBefore && " + lead
                    + ".readyState >= 2", Duration.ofSeconds(30));
            assertThat(b.evaluate("(c => [...document.querySelectorAll('.tl-event')].some(e => Math.abs(Number(e"
                    + ".dataset.t) - 5000 - c) < 1500))(Date.parse(document.querySelector('#timeline').dataset.cursor))")
                    .asBoolean()).as("the playhead 5 s before an event").isTrue();

            // a bookmark of this moment: on the timeline, and found by a word of its note
            String note = "Timeline check " + java.util.UUID.randomUUID().toString().substring(0, 6);
            b.type("#bm-note", note);
            b.click("#bm-add");
            b.waitFor("[...document.querySelectorAll('.tl-row[data-camera=\"cam-a\"] .tl-bookmark')].some(m => m"
                    + ".getAttribute('aria-label').includes('" + note + "'))", Duration.ofSeconds(10));
            b.type("#bm-search", note.substring(note.length() - 6));
            b.evaluate("document.querySelector('#bm-search-form').requestSubmit()");
            b.waitFor("document.querySelector('#bm-results').textContent.includes('" + note + "')",
                    Duration.ofSeconds(10));
            assertThat(b.evaluate("document.querySelector('#playback-info').title").asText()).endsWith("Z");
            assertThat(axeProblems(b)).as("the timeline").isEmpty();
            b.screenshot(SCREENSHOTS.resolve("timeline.png"));
        }
    }

    @Test
    @Order(4)
    void anOperatorWorksThroughEventsByKeyboardMarksThemReviewedAloneAndForTheTeamAndFiltersByReviewState()
            throws Exception {
        assumeBrowser();
        try (Browser b = signedIn("matrix-operator", "matrix-password-operator", "")) {
            String rows = "document.querySelectorAll('#event-list li[data-event-id]')";
            go(b, "#/events", rows + ".length >= 3");
            java.util.function.Consumer<String> filter = state -> {
                b.evaluate("document.querySelector('#events-reviewed').value = '" + state + "'");
                b.click("#events-apply");
            };
            filter.accept("notmine");
            b.waitFor("document.querySelector('#events-mode').textContent.includes('match the filter') && " + rows
                    + ".length >= 3", Duration.ofSeconds(30));
            String active = "document.activeElement.closest('[data-event-id]').dataset.eventId";
            String row = "document.querySelector('#event-list li[data-event-id=\"%s\"]')";
            // j: the first event; r: reviewed, by me, in the store
            b.evaluate("document.activeElement.blur()");
            b.press("j");
            String first = b.evaluate(active).asText();
            b.press("r");
            b.waitFor(String.format(row, first) + ".dataset.reviewed === 'true'", Duration.ofSeconds(10));
            String stored = "fetch('/api/events/%s').then(r => r.json()).then(e => JSON.stringify(e))";
            JsonNode firstStored = Json.mapper().readTree(b.evaluate(String.format(stored, first)).asText());
            assertThat(firstStored.path("reviewed").asBoolean()).isTrue();
            assertThat(firstStored.path("teamReviewedBy").isNull()).isTrue();
            // j, x, j, x: two more selected; then marked reviewed for the team in one go
            b.press("j");
            String second = b.evaluate(active).asText();
            b.press("x");
            b.press("j");
            String third = b.evaluate(active).asText();
            b.press("x");
            assertThat(List.of(first, second, third)).doesNotHaveDuplicates();
            b.waitFor("!document.querySelector('#events-mark-team').disabled", Duration.ofSeconds(5));
            b.click("#events-mark-team");
            for (String id : List.of(second, third)) {
                b.waitFor(String.format(row, id) + ".dataset.teamReviewed === 'true'", Duration.ofSeconds(10));
            }
            JsonNode team = Json.mapper().readTree(b.evaluate("fetch('/api/events?reviewed=team&limit=500')"
                    + ".then(r => r.json()).then(p => JSON.stringify(p.items.map(e => e.eventId)))").asText());
            assertThat(team.toString()).contains(second, third).doesNotContain(first);
            assertThat(Json.mapper().readTree(b.evaluate(String.format(stored, second)).asText())
                    .path("teamReviewedBy").asText()).isEqualTo("matrix-operator");
            // the filter "Reviewed by me" shows all three (a team mark is mine too)
            filter.accept("mine");
            for (String id : List.of(first, second, third)) {
                b.waitFor(String.format(row, id) + " !== null", Duration.ofSeconds(30));
            }
            assertThat(axeProblems(b)).as("the events page with review").isEmpty();
            b.screenshot(SCREENSHOTS.resolve("review.png"));
            // r on a reviewed event unmarks it; Enter plays its recording
            b.evaluate(String.format(row, first) + ".focus()");
            b.press("r");
            b.waitFor(String.format(row, first) + ".dataset.reviewed === 'false'", Duration.ofSeconds(10));
            assertThat(Json.mapper().readTree(b.evaluate(String.format(stored, first)).asText()).path("reviewed")
                    .asBoolean()).isFalse();
            b.press("Enter");
            b.waitFor("location.hash.startsWith('#/recordings?camera=')", Duration.ofSeconds(10));
        }
    }

    @Test
    @Order(5)
    void aViewerSeesNoExportControlAndADirectExportCallIsRefused() throws Exception {
        assumeBrowser();
        try (Browser b = signedIn("matrix-viewer", "matrix-password-viewer", "")) {
            go(b, "#/exports", "document.querySelector('#export-denied') || document.querySelector('#export-new')");
            assertThat(b.evaluate("document.querySelector('#export-new') === null").asBoolean()).isTrue();
            assertThat(b.evaluate("document.querySelector('#export-denied').textContent").asText())
                    .contains("operator");
            int status = b.evaluate("fetch('/api/exports', {method: 'POST', headers: {'Content-Type': "
                    + "'application/json', 'X-CSRF-Token': (document.cookie.match(/vigil_csrf=([^;]+)/) || [])[1]}, "
                    + "body: '{}'}).then(r => r.status)").asInt();
            assertThat(status).isEqualTo(403);
            go(b, "#/recordings?camera=cam-a", "document.querySelector('#timeline button.seg')");
            startTheLastSpanByKeyboard(b);
            b.waitFor("document.querySelector('#playback') && document.querySelector('#playback').src", Duration.ofSeconds(30));
            assertThat(b.evaluate("document.querySelector('#download') === null || document.querySelector('#download')"
                    + ".hidden").asBoolean()).as("no download control for a viewer").isTrue();
            b.screenshot(SCREENSHOTS.resolve("exports-viewer.png"));
        }
    }

    @Test
    @Order(6)
    void aSiteAUserNeverSeesSiteB() throws Exception {
        assumeBrowser();
        try (Browser b = signedIn("matrix-operator", "matrix-password-operator", "")) {
            go(b, "#/dashboard", "document.querySelector('#camera-tiles li[data-camera=\"cam-a\"]')");
            go(b, "#/live", "Number((document.querySelector('canvas[data-live=\"cam-a\"]') || {dataset: {}})"
                    + ".dataset.frames) >= 2");
            go(b, "#/events", "document.querySelector('#event-list li[data-event-id]')");
            // while the page is open, a new motion event of cam-a arrives live (both cameras walk every 16 s, so
            // cam-b's events are being published meanwhile too); none of cam-b's may show
            String seen = b.evaluate("JSON.stringify([...document.querySelectorAll('#event-list li[data-event-id]')]"
                    + ".map(li => li.dataset.eventId))").asText();
            b.waitFor("[...document.querySelectorAll('#event-list li[data-event-id][data-camera=\"cam-a\"]')]"
                    + ".some(li => !" + seen + ".includes(li.dataset.eventId))", Duration.ofSeconds(60));
            String text = b.evaluate("document.body.innerText + JSON.stringify([...document.querySelectorAll("
                    + "'[data-camera],[data-live]')].map(e => e.dataset.camera || e.dataset.live))").asText();
            assertThat(text).doesNotContain("cam-b").doesNotContain("site-b").doesNotContain("Yard");
            for (String route : List.of("#/dashboard", "#/live", "#/settings")) {
                go(b, route, "document.querySelector('#view h1')");
                assertThat(b.evaluate("document.body.innerText").asText()).as(route).doesNotContain("cam-b")
                        .doesNotContain("site-b");
            }
            b.screenshot(SCREENSHOTS.resolve("site-a-operator.png"));
        }
    }

    /** Chooses a site in the shell's filter as a user does ("": All sites). */
    private static void pickSite(Browser b, String site) {
        b.evaluate("(() => { const s = document.getElementById('site-filter'); s.value = '" + site + "'; "
                + "s.dispatchEvent(new Event('change')); return true; })()");
    }

    @Test
    @Order(7)
    void markupInACameraNameIsShownAsText() throws Exception {
        assumeBrowser();
        try (Browser b = signedIn("admin", SharedStack.adminPassword(), "")) {
            go(b, "#/dashboard", "document.querySelector('#camera-tiles li[data-camera=\"cam-b\"]')");
            assertThat(b.evaluate("document.querySelector('#camera-tiles li[data-camera=\"cam-b\"]').textContent")
                    .asText()).contains(HOSTILE_NAME);
            go(b, "#/live", "document.querySelector('canvas[data-live=\"cam-b\"]')");
            assertThat(b.evaluate("window.pwned === undefined && !document.querySelector('img[src=\"x\"]')")
                    .asBoolean()).as("the name's markup never ran").isTrue();

            // the site filter: site-b only, on every page, until All sites is chosen again
            b.waitFor("[...document.querySelectorAll('#site-filter option')].some(o => o.value === 'site-b')",
                    Duration.ofSeconds(30));
            pickSite(b, "site-b");
            b.waitFor("document.querySelector('canvas[data-live=\"cam-b\"]') && "
                    + "!document.querySelector('canvas[data-live=\"cam-a\"]')", Duration.ofSeconds(30));
            go(b, "#/dashboard", "document.querySelector('#camera-tiles li[data-camera=\"cam-b\"]')");
            assertThat(b.evaluate("!!document.querySelector('#camera-tiles li[data-camera=\"cam-a\"]')").asBoolean())
                    .as("site-a's camera hidden by the filter").isFalse();
            pickSite(b, "");
            b.waitFor("document.querySelector('#camera-tiles li[data-camera=\"cam-a\"]')", Duration.ofSeconds(30));
            for (String route : List.of("#/settings", "#/settings/users", "#/settings/tokens", "#/exports")) {
                go(b, route, "document.querySelector('#view h1')");
                b.screenshot(SCREENSHOTS.resolve(route.replace("#/", "").replace('/', '-') + ".png"));
            }
            assertThat(b.evaluate("window.pwned === undefined").asBoolean()).isTrue();
        }
    }

    @Test
    @Order(8)
    void liveViewLatencyIsMeasuredFromTheBurnedInTimeCodeAndACameraOpensIntoANativeSingleView() throws Exception {
        assumeBrowser();
        // the benchmark (bench/run live-latency) takes 150 frames of a 1080p15 camera of its own; the suite checks the
        // measurement on fewer, of cam-a (640x360 at 10 fps)
        long samples = Long.getLong("vigil.bench.latency-samples", 30);
        String size = System.getProperty("vigil.bench.latency-size");
        String cam = size == null ? "cam-a" : "lat-" + size;
        if (size != null) {
            HttpResponse<String> r = call("gateway", "POST", "/api/cameras", "{\"id\":\"" + cam + "\",\"name\":\""
                    + "Latency " + size + "\",\"site\":\"site-a\",\"url\":\"test:?size=" + size + "&fps="
                    + Integer.getInteger("vigil.bench.latency-fps", 15) + "\"}", admin);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            awaitStatus(cam, s -> "online".equals(s.path("state").asText()), Instant.EPOCH);
        }
        try (Browser b = signedIn("admin", SharedStack.adminPassword(), "?latency=1")) {
            String canvas = "document.querySelector('canvas[data-live=\"" + cam + "\"]')";
            go(b, "#/live", canvas);
            Latency jpeg = latency(b, samples);
            // the same camera's own stream, natively, in the single view
            // a camera opens from the grid into the single view, which plays its own stream natively
            b.click("button[data-open=\"" + cam + "\"]");
            // measured once playing (its start, from the newest key frame the site holds, is not what is measured)
            String video = "document.querySelector('video[data-native=\"" + cam + "\"]')";
            b.waitFor(video + " && Number(" + video + ".dataset.frames) >= 20", Duration.ofSeconds(60));
            assertThat(b.evaluate("document.querySelector('#live-grid').hidden").asBoolean()).isTrue();
            // frames presented (requestVideoFrameCallback: getVideoPlaybackQuality undercounts in headless Chromium)
            String shown = "Number(" + video + ".dataset.frames)";
            b.evaluate("window.vigilLatency = {samples: [], errors: 0, delivery: []}; window.vigilPaint = {shown: "
                    + shown + ", received: Number(" + video + ".dataset.received), at: performance.now()}");
            Latency natively = latency(b, samples);
            // the rate is taken over at least 12 s: under the suite's load the renderer may stall and the player then
            // jumps to the live edge (by design), which over a 3 s window alone lost a third of the frames
            b.waitFor("performance.now() - window.vigilPaint.at >= 12000", Duration.ofSeconds(30));
            // the camera's own picture, decoded at the camera's size (not the 640-wide preview), at the source's rate
            JsonNode camStatus = awaitStatus(cam, s -> "online".equals(s.path("state").asText()), Instant.EPOCH);
            double fps = camStatus.path("fps").asDouble();
            assertThat(b.evaluate(video + ".videoWidth").asInt()).isEqualTo(camStatus.path("width").asInt());
            assertThat(b.evaluate(video + ".videoHeight").asInt()).isEqualTo(camStatus.path("height").asInt());
            // frames advance at the source's rate: the browser presents about as many frames as the camera sent in the
            // same window (on a loaded machine the source itself may send fewer than its nominal rate, and the
            // renderer may present a few less than it got: hence the margins)
            JsonNode rate = Json.mapper().readTree(b.evaluate("JSON.stringify({shown: " + shown + " - window.vigilPaint"
                    + ".shown, received: Number(" + video + ".dataset.received) - window.vigilPaint.received, "
                    + "s: (performance.now() - window.vigilPaint.at) / 1000, jumps: Number(" + video + ".dataset.jumps "
                    + "|| 0)})").asText());
            double seconds = rate.path("s").asDouble();
            double received = rate.path("received").asDouble() / seconds;
            double shownRate = rate.path("shown").asDouble() / seconds;
            System.out.printf("native single view of %s: %dx%d, %.1f frames/s shown, %.1f received (nominal %.1f) over "
                    + "%.1f s, %d jumps to the live edge in all%n", cam, camStatus.path("width").asInt(),
                    camStatus.path("height").asInt(), shownRate, received, fps, seconds, rate.path("jumps").asInt());
            assertThat(shownRate).as("frames shown per second against those received (%s)", rate).isBetween(received * 0.7,
                    received * 1.3);
            assertThat(received).as("frames received per second against the camera's rate").isGreaterThan(fps * 0.5);
            assertThat(axeProblems(b)).as("the single view").isEmpty();
            b.screenshot(SCREENSHOTS.resolve("live-single.png"));
            // Escape: back to the grid, the focus on the camera it was opened from, and previews again
            b.press("Escape");
            String tile = "document.querySelector('canvas[data-live=\"" + cam + "\"]')";
            b.waitFor("!document.querySelector('#live-grid').hidden && document.activeElement === "
                    + "document.querySelector('button[data-open=\"" + cam + "\"]')", Duration.ofSeconds(10));
            long frames = b.evaluate("Number(" + tile + ".dataset.frames)").asLong();
            b.waitFor("Number(" + tile + ".dataset.frames) > " + (frames + 2), Duration.ofSeconds(30));
            String report = String.format("live-view latency of %s: native (fMP4 to MSE) over %d frames (%d "
                    + "undecodable) p50 %d ms, p95 %d ms; JPEG previews over %d frames (%d undecodable) p50 %d ms, p95 "
                    + "%d ms (delivery from capture's publish p50 %d ms); ratio native/JPEG p50 %.2f, p95 %.2f%n", cam,
                    natively.glass.size(), natively.errors, pct(natively.glass, 50), pct(natively.glass, 95),
                    jpeg.glass.size(), jpeg.errors, pct(jpeg.glass, 50), pct(jpeg.glass, 95), pct(jpeg.delivery, 50),
                    pct(natively.glass, 50) / (double) Math.max(1, pct(jpeg.glass, 50)),
                    pct(natively.glass, 95) / (double) Math.max(1, pct(jpeg.glass, 95)));
            System.out.print(report);
            java.nio.file.Files.createDirectories(SCREENSHOTS);
            java.nio.file.Files.writeString(SCREENSHOTS.resolve("live-latency.txt"), report);
            // what must hold: the codes decode (so the figures are real) and nothing is from the future
            for (Latency l : List.of(jpeg, natively)) {
                assertThat(l.errors).as("undecodable frames").isLessThan(l.glass.size() / 10 + 1);
                assertThat(l.glass.get(0)).as("no frame is shown before it was made").isGreaterThanOrEqualTo(0);
            }
            Long goal = Long.getLong("vigil.bench.latency-goal-ms"); // bench/run live-latency sets the goal
            if (goal != null) {
                assertThat(pct(natively.glass, 95)).as("native p95 glass to glass against the goal").isLessThan(goal);
            }
        } finally {
            if (size != null) {
                call("gateway", "DELETE", "/api/cameras/" + cam, null, admin);
            }
        }
        // nobody watches it natively now: the site's recorder stops reading its stream within seconds
        Path recorderLog = stack.home.resolve("logs/recorder-service.log");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!java.nio.file.Files.readString(recorderLog).contains("native live view of " + cam + " ended after")
                && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(java.nio.file.Files.readString(recorderLog)).contains("native live view of " + cam + " ended after");
    }

    @Test
    void aGridOfCamerasWithSubStreamsPlaysEachNativelyAtItsSubStreamSizeAndRateAndOneOpensAtItsMainSize()
            throws Exception {
        assumeBrowser();
        // the suite shows two such cameras; bench/run live-grid shows 16 at 1080p15 with 640x360 sub-streams
        int count = Integer.getInteger("vigil.bench.grid-cameras", 2);
        String size = System.getProperty("vigil.bench.grid-size", "640x360");
        String subSize = System.getProperty("vigil.bench.grid-sub-size", "320x180");
        int fps = Integer.getInteger("vigil.bench.grid-fps", 10);
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add("grid-" + i);
        }
        try {
            for (String id : ids) {
                HttpResponse<String> r = call("gateway", "POST", "/api/cameras", "{\"id\":\"" + id + "\",\"name\":\""
                        + "Grid " + id + "\",\"site\":\"site-a\",\"url\":\"test:?size=" + size + "&fps=" + fps
                        + "\",\"subStreamUrl\":\"test:?size=" + subSize + "&fps=" + fps + "\"}", admin);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            }
            for (String id : ids) {
                awaitStatus(id, s -> "online".equals(s.path("state").asText()), Instant.EPOCH);
            }
            try (Browser b = signedIn("admin", SharedStack.adminPassword(), "")) {
                java.util.function.Function<String, String> tile = id -> "document.querySelector('#live-grid "
                        + "video[data-native=\"" + id + "\"]')";
                go(b, "#/live", tile.apply(ids.get(0)));
                for (String id : ids) {
                    b.waitFor(tile.apply(id) + " && Number(" + tile.apply(id) + ".dataset.frames) >= 10",
                            Duration.ofSeconds(90));
                }
                // every tile plays the sub-stream's own picture, decoded at the sub-stream's size
                String[] sub = subSize.split("x");
                for (String id : ids) {
                    assertThat(b.evaluate(tile.apply(id) + ".videoWidth").asInt()).as(id)
                            .isEqualTo(Integer.parseInt(sub[0]));
                    assertThat(b.evaluate(tile.apply(id) + ".videoHeight").asInt()).as(id)
                            .isEqualTo(Integer.parseInt(sub[1]));
                }
                // frames advance at the source's rate in every tile over a window of at least 5 s
                String counts = ids.stream().map(id -> "[" + tile.apply(id) + ".dataset.frames, " + tile.apply(id)
                        + ".dataset.received]").collect(java.util.stream.Collectors.joining(", ", "[", "]"));
                b.evaluate("window.vigilGrid = {at: performance.now(), counts: " + counts + "}");
                b.waitFor("performance.now() - window.vigilGrid.at > 5000", Duration.ofSeconds(30));
                JsonNode rates = Json.mapper().readTree(b.evaluate("JSON.stringify({s: (performance.now() - "
                        + "window.vigilGrid.at) / 1000, before: window.vigilGrid.counts, after: " + counts + "})")
                        .asText());
                double seconds = rates.path("s").asDouble();
                StringBuilder report = new StringBuilder();
                double[][] measured = new double[ids.size()][];
                for (int i = 0; i < ids.size(); i++) {
                    double shown = (rates.path("after").get(i).get(0).asDouble()
                            - rates.path("before").get(i).get(0).asDouble()) / seconds;
                    double received = (rates.path("after").get(i).get(1).asDouble()
                            - rates.path("before").get(i).get(1).asDouble()) / seconds;
                    // frames that had arrived but were not shown yet when the window opened (a stalled renderer's
                    // backlog) may be shown within it
                    double backlog = Math.max(0, rates.path("before").get(i).get(1).asDouble()
                            - rates.path("before").get(i).get(0).asDouble()) / seconds;
                    measured[i] = new double[] {shown, received, backlog};
                    report.append(String.format("%s %.1f/%.1f ", ids.get(i), shown, received));
                }
                // every figure printed (and kept) before any is judged
                String line = String.format("live grid of %d cameras (%s at %d fps, sub-streams %s): frames shown/"
                        + "received per second over %.1f s: %s%n", count, size, fps, subSize, seconds, report);
                System.out.print(line);
                java.nio.file.Files.createDirectories(SCREENSHOTS);
                java.nio.file.Files.writeString(SCREENSHOTS.resolve("live-grid.txt"), line);
                // the benchmark judges the rate (70 % of what arrives); in the suite, whose lanes keep both cores busy,
                // Chromium's compositor is starved at times and presents fewer: there every tile must stay live, a
                // quarter of what arrives at least (a frozen tile presents none)
                double share = System.getProperty("vigil.bench.grid-cameras") == null ? 0.25 : 0.7;
                for (int i = 0; i < ids.size(); i++) {
                    // never more than arrived: those of the window, a backlog from before it, and one in flight
                    assertThat(measured[i][0]).as(ids.get(i) + ": frames shown per second against those received")
                            .isBetween(measured[i][1] * share, measured[i][1] * 1.3 + measured[i][2] + 1 / seconds);
                    assertThat(measured[i][1]).as(ids.get(i) + ": frames received per second against the camera's "
                            + "rate").isGreaterThan(fps * 0.5);
                }
                assertThat(axeProblems(b)).as("the grid of native tiles").isEmpty();
                b.screenshot(SCREENSHOTS.resolve("live-grid.png"));

                // a camera opens from the grid into the single view, which plays its main stream at its own size
                String first = ids.get(0);
                b.click("button[data-open=\"" + first + "\"]");
                String single = "document.querySelector('#live-single video[data-native=\"" + first + "\"]')";
                b.waitFor(single + " && Number(" + single + ".dataset.frames) >= 5", Duration.ofSeconds(60));
                String[] main = size.split("x");
                assertThat(b.evaluate(single + ".videoWidth").asInt()).isEqualTo(Integer.parseInt(main[0]));
                assertThat(b.evaluate(single + ".videoHeight").asInt()).isEqualTo(Integer.parseInt(main[1]));
                // and back: the tile plays its sub-stream again
                b.press("Escape");
                long before = b.evaluate("Number(" + tile.apply(first) + ".dataset.frames)").asLong();
                b.waitFor("!document.querySelector('#live-grid').hidden && Number(" + tile.apply(first)
                        + ".dataset.frames) > " + (before + 5), Duration.ofSeconds(60));
                assertThat(b.evaluate(tile.apply(first) + ".videoWidth").asInt()).isEqualTo(Integer.parseInt(sub[0]));
                go(b, "#/events", "document.querySelector('h1')");
            }
            // nobody watches them now: the site's recorder stops reading their sub-streams within seconds
            Path recorderLog = stack.home.resolve("logs/recorder-service.log");
            String ended = "native live view (sub-stream) of " + ids.get(0) + " ended after";
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!java.nio.file.Files.readString(recorderLog).contains(ended) && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(java.nio.file.Files.readString(recorderLog)).contains(ended);
        } finally {
            for (String id : ids) {
                call("gateway", "DELETE", "/api/cameras/" + id, null, admin);
            }
        }
    }

    @Test
    void anOperatorSavesALayoutOfHerOwnThatOutlivesTheVisitAndShowsTheGridFullScreen() throws Exception {
        assumeBrowser();
        String mine = org.vigil.devstack.testing.TestTokens.token("matrix-operator", "operator", "site-a");
        // bad input first, through the API: 400 naming the field, nothing saved
        HttpResponse<String> otherSite = call("gateway", "PUT", "/api/layouts/Nope", "{\"cameras\":[\"cam-b\"]}", mine);
        assertThat(otherSite.statusCode()).as(otherSite.body()).isEqualTo(400);
        assertThat(otherSite.body()).contains("\"field\":\"cameras\"").contains("cam-b");
        assertThat(call("gateway", "PUT", "/api/layouts/Nope", "{\"cameras\":[\"cam-a\"],\"columns\":9}", mine)
                .statusCode()).isEqualTo(400);
        assertThat(call("gateway", "PUT", "/api/layouts/" + "x".repeat(65), "{\"cameras\":[\"cam-a\"]}", mine)
                .statusCode()).isEqualTo(400);
        try (Browser b = signedIn("matrix-operator", "matrix-password-operator", "")) {
            go(b, "#/live", "document.querySelectorAll('#live-grid li.live-tile').length >= 1");
            b.click("#live-layout-edit");
            b.waitFor("!document.querySelector('#live-layout-editor').hidden", Duration.ofSeconds(5));
            b.type("#layout-name", "Night shift");
            b.evaluate("document.querySelector('#layout-columns').value = '1'; for (const c of document"
                    + ".querySelectorAll('#layout-cameras input')) c.checked = c.value === 'cam-a'");
            assertThat(axeProblems(b)).as("the layout editor").isEmpty();
            b.click("#layout-save");
            b.waitFor("document.querySelector('#live-layout').value === 'Night shift' && document.querySelector("
                    + "'#live-grid').dataset.columns === '1'", Duration.ofSeconds(10));
            assertThat(b.evaluate("[...document.querySelectorAll('#live-grid li.live-tile')].map(t => t.dataset"
                    + ".camera).join()").asText()).isEqualTo("cam-a");
            // the store has it, as hers alone
            JsonNode saved = Json.mapper().readTree(call("gateway", "GET", "/api/layouts", null, mine).body());
            assertThat(saved.toString()).contains("\"name\":\"Night shift\"").contains("\"cameras\":[\"cam-a\"]")
                    .contains("\"columns\":1");
            assertThat(call("gateway", "GET", "/api/layouts", null, admin).body()).doesNotContain("Night shift");
            // it outlives the visit: back on Live, the same layout
            go(b, "#/events", "document.querySelector('#event-list')");
            go(b, "#/live", "document.querySelector('#live-layout').value === 'Night shift' && document"
                    + ".querySelectorAll('#live-grid li.live-tile').length === 1");
            // a camera opens from the layout into the single view and back
            b.click("button[data-open=\"cam-a\"]");
            b.waitFor("!document.querySelector('#live-single').hidden", Duration.ofSeconds(10));
            b.press("Escape");
            b.waitFor("!document.querySelector('#live-grid').hidden", Duration.ofSeconds(10));
            // full screen, and out again
            b.click("#live-fullscreen");
            // the button says so once the browser has said it (fullscreenchange)
            b.waitFor("document.fullscreenElement === document.querySelector('#live-area') && document.querySelector("
                    + "'#live-fullscreen').getAttribute('aria-pressed') === 'true' && !document.querySelector("
                    + "'#live-fullscreen-exit').hidden", Duration.ofSeconds(10));
            b.click("#live-fullscreen-exit"); // on the full screen itself (the page's button is under it)
            b.waitFor("document.fullscreenElement === null", Duration.ofSeconds(10));
            // removed: every camera again
            b.click("#live-layout-delete");
            b.waitFor("document.querySelector('#live-layout').value === '' && document.querySelector('#live-grid')"
                    + ".dataset.columns === '0'", Duration.ofSeconds(10));
            assertThat(call("gateway", "GET", "/api/layouts", null, mine).body()).doesNotContain("Night shift");
        } finally {
            call("gateway", "DELETE", "/api/layouts/Night%20shift", null, mine);
        }
    }

    /** Glass-to-glass samples (sorted), the delivery baseline (previews only) and undecodable frames. */
    private record Latency(List<Long> glass, List<Long> delivery, long errors) {
    }

    private static Latency latency(Browser b, long samples) throws Exception {
        b.waitFor("window.vigilLatency && window.vigilLatency.samples.length >= " + samples, Duration.ofSeconds(120));
        JsonNode l = b.evaluate("window.vigilLatency");
        List<Long> glass = new ArrayList<>();
        l.path("samples").forEach(n -> glass.add(n.asLong()));
        List<Long> delivery = new ArrayList<>();
        l.path("delivery").forEach(n -> delivery.add(n.asLong()));
        glass.sort(null);
        delivery.sort(null);
        return new Latency(glass, delivery, l.path("errors").asLong());
    }

    @Test
    @Order(10)
    void anOperatorExportsFromTheExportsPageAndSeesItFinish() throws Exception {
        assumeBrowser();
        JsonNode seg = awaitSegment("cam-a");
        try (Browser b = signedIn("matrix-operator", "matrix-password-operator", "")) {
            go(b, "#/exports", "document.querySelector('#export-form input[data-camera=\"cam-a\"]')");
            b.evaluate("(() => { const local = " + LOCAL_TIME + "; const set = (id, v) => { const e = document.getElementById(id); "
                    + "e.value = v; e.dispatchEvent(new Event('input', {bubbles: true})); "
                    + "e.dispatchEvent(new Event('change', {bubbles: true})); }; "
                    + "set('export-from', local(new Date('" + seg.path("startedAt").asText() + "'))); "
                    + "set('export-to', local(new Date(new Date('" + seg.path("endedAt").asText() + "').getTime() + 1000))); "
                    + "})()");
            b.click("#export-form input[data-camera=\"cam-a\"]");
            b.type("#export-reason", "browser test: incident at the gate");
            String before = b.evaluate("JSON.stringify([...document.querySelectorAll('#export-jobs tr[data-export-id]')]"
                    + ".map(r => r.dataset.exportId))").asText();
            b.click("#export-submit");
            // a new row appears and runs to done, with its download link, without reloading the page
            b.waitFor("[...document.querySelectorAll('#export-jobs tr[data-export-id][data-state=\"done\"]')].some(r => !"
                    + before + ".includes(r.dataset.exportId) && r.querySelector('a[data-action=\"download\"]'))",
                    Duration.ofSeconds(90));
            b.screenshot(SCREENSHOTS.resolve("exports-operator.png"));
        }
    }

    @Test
    @Order(11)
    void inProductionTheExportServiceRefusesToStartWithoutASigningKey() throws Exception {
        Path jar = Stack.root().resolve("export-service/target/quarkus-app/quarkus-run.jar");
        ProcessBuilder pb = new ProcessBuilder(JavaCommand.of("-Xmx128m", "-jar", jar.toString()))
                .redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("VIGIL_") || k.startsWith("EXPORT_"));
        env.put("QUARKUS_HTTP_PORT", Integer.toString(Stack.freePort()));
        env.put("QUARKUS_MANAGEMENT_PORT", Integer.toString(Stack.freePort()));
        env.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + stack.port("KAFKA_PORT"));
        env.put("DATABASE_URL", "postgresql://127.0.0.1:" + stack.port("POSTGRES_PORT") + "/vigil");
        env.put("VIGIL_GATEWAY_URL", gatewayUrl());
        env.put("VIGIL_KEYS_DIR", stack.home.resolve("no-keys-here").toString());
        Process p = pb.start();
        try {
            assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).as("the service stops by itself").isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).isNotZero();
            assertThat(out).contains("no export signing key: set EXPORT_SIGNING_KEY_FILE");
            assertThat(stack.home.resolve("no-keys-here")).as("and generated nothing").doesNotExist();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    @Order(12)
    void everyPageMeetsWcagAaForWhatAMachineCanCheck() throws Exception {
        assumeBrowser();
        List<String> problems = new ArrayList<>();
        try (Browser b = signedIn("admin", SharedStack.adminPassword(), "")) {
            for (String route : List.of("#/dashboard", "#/live", "#/events", "#/recordings", "#/exports", "#/settings",
                    "#/settings/users", "#/settings/tokens", "#/settings/storage", "#/settings/cameras",
                    "#/settings/retention")) {
                go(b, route, "document.querySelector('#view h1')");
                b.waitFor("document.readyState === 'complete'", Duration.ofSeconds(10));
                axeProblems(b).forEach(x -> problems.add(route + " " + x));
            }
            // the check itself can fail: an unlabelled input is reported
            b.evaluate("document.querySelector('#view').appendChild(document.createElement('input')).id = 'unlabelled'");
            assertThat(b.evaluate("axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a']}}).then(r => "
                    + "r.violations.map(v => v.id))").toString()).contains("label");
        }
        assertThat(problems).as("serious or critical WCAG 2 A/AA violations found by axe-core").isEmpty();
    }

    @Test
    @Order(13)
    void anOperatorPlacesALegalHoldFromSettingsAndTheDashboardShowsTheStorageFigures() throws Exception {
        assumeBrowser();
        JsonNode seg = awaitSegment("cam-a");
        try (Browser b = signedIn("matrix-operator", "matrix-password-operator", "")) {
            go(b, "#/settings/retention", "document.querySelector('#hold-form')");
            b.evaluate("(() => { const local = " + LOCAL_TIME + "; "
                    + "document.getElementById('hold-from').value = local(new Date('" + seg.path("startedAt").asText()
                    + "')); document.getElementById('hold-to').value = local(new Date(new Date('"
                    + seg.path("endedAt").asText() + "').getTime() + 1000)); })()");
            b.type("#hold-camera", "cam-a");
            b.type("#hold-case", "UI-CASE-7");
            b.type("#hold-reason", "browser test: held from the settings page");
            b.click("#hold-submit");
            b.waitFor("[...document.querySelectorAll('#hold-table tr[data-hold]')].some(r => "
                    + "r.textContent.includes('UI-CASE-7') && r.textContent.includes('cam-a'))", Duration.ofSeconds(20));
            assertThat(b.evaluate("document.querySelector('#hold-status').textContent").asText())
                    .contains("Hold placed for case UI-CASE-7");
            // an operator cannot release it: no button
            assertThat(b.evaluate("document.querySelectorAll('#hold-table button[data-action=\"release\"]').length")
                    .asInt()).isZero();
            b.screenshot(SCREENSHOTS.resolve("legal-hold-operator.png"));
            go(b, "#/dashboard", "document.querySelector('#retention-status')");
            assertThat(b.evaluate("document.querySelector('#retention-status').textContent").asText())
                    .contains("per hour").contains("Recordings:").contains("under legal hold");
        }
    }

    @Test
    @Order(14)
    void theAdminSeesWhatAFloorChangeWouldDeleteBeforeMakingItAndSignsAUserOutEverywhere() throws Exception {
        assumeBrowser();
        String victim = WholeStackIT.login(stack, "matrix-viewer", "matrix-password-viewer");
        try (Browser b = signedIn("admin", SharedStack.adminPassword(), "")) {
            go(b, "#/settings/storage", "document.querySelector('#storage-facts dd') "
                    + "&& !document.querySelector('#storage-save').disabled");
            long total = b.evaluate("fetch('/api/recorder/storage').then(r => r.json()).then(s => s.totalBytes)")
                    .asLong();
            long floorBefore = b.evaluate("fetch('/api/recorder/storage').then(r => r.json()).then(s => "
                    + "s.minFreeBytes)").asLong();
            // a floor just under the volume's size: retention would have to delete footage to keep it free
            b.evaluate("document.querySelector('#storage-min-free').value = '"
                    + String.format(java.util.Locale.ROOT, "%.1f", total / (double) (1L << 30) - 0.1) + "'");
            b.click("#storage-save");
            b.waitFor("document.querySelector('#storage-confirm') && !document.querySelector('#storage-confirm').hidden "
                    + "&& document.querySelector('#storage-confirm-yes')", Duration.ofSeconds(30));
            assertThat(b.evaluate("document.querySelector('#storage-confirm').textContent").asText())
                    .contains("recordings").contains("oldest first").contains("legal hold");
            b.screenshot(SCREENSHOTS.resolve("storage-confirm.png"));
            b.evaluate("[...document.querySelectorAll('#storage-confirm button')].find(x => x.textContent === "
                    + "'Cancel').click()");
            assertThat(b.evaluate("fetch('/api/recorder/storage').then(r => r.json()).then(s => s.minFreeBytes)")
                    .asLong()).as("nothing changed without the yes").isEqualTo(floorBefore);

            go(b, "#/settings/users", "document.querySelector('button[data-action=\"sign-out\"]"
                    + "[aria-label=\"Sign out everywhere: matrix-viewer\"]')");
            b.evaluate("window.confirm = () => true");
            b.click("button[data-action=\"sign-out\"][aria-label=\"Sign out everywhere: matrix-viewer\"]");
            b.waitFor("document.body.textContent.includes('matrix-viewer signed out everywhere')", Duration.ofSeconds(20));
        }
        HttpResponse<String> me = HTTP.send(HttpRequest.newBuilder(URI.create(gatewayUrl() + "/api/auth/me"))
                .header("Cookie", "vigil_session=" + victim).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(me.statusCode()).as("the signed-out user's cookie").isEqualTo(401);
    }

    /** The serious or critical WCAG 2 A/AA violations axe-core finds on the page as it is now. */
    static List<String> axeProblems(Browser b) throws Exception {
        if (b.evaluate("typeof window.axe").asText().equals("undefined")) {
            try (java.io.InputStream in = OperatorUiIT.class.getResourceAsStream(
                    "/META-INF/resources/webjars/axe-core/4.6.3/axe.min.js")) {
                org.junit.jupiter.api.Assumptions.assumeTrue(in != null,
                        "axe-core (org.webjars.npm:axe-core) is missing");
                b.evaluate(new String(in.readAllBytes(), StandardCharsets.UTF_8) + ";true");
            }
        }
        List<String> out = new ArrayList<>();
        b.evaluate("axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
                + ".then(r => r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')"
                + ".map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' '))"
                + ".join(', ')))").forEach(x -> out.add(x.asText()));
        return out;
    }

    @Test
    @Order(15)
    void anAdminAddsTestsDrawsEditsDisablesAndRemovesACameraInSettingsByKeyboardAndPagesThroughMany()
            throws Exception {
        assumeBrowser();
        // enough cameras for two pages (disabled, at a site no capture instance here serves: nothing starts)
        List<String> bulk = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String id = String.format("ui-bulk-%02d", i);
            bulk.add(id);
            HttpResponse<String> r = call("gateway", "POST", "/api/cameras", "{\"id\":\"" + id + "\",\"name\":\"Bulk "
                    + i + "\",\"site\":\"default\",\"url\":\"rtsp://192.0.2.10/" + i + "\",\"enabled\":false}",
                    admin);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        }
        try {
            addTestDrawEditDisableRemove();
        } finally {
            for (String id : bulk) {
                call("gateway", "DELETE", "/api/cameras/" + id, null, admin);
            }
        }
    }

    private void addTestDrawEditDisableRemove() throws Exception {
        try (Browser b = signedIn("admin", SharedStack.adminPassword(), "")) {
            go(b, "#/settings/cameras", "document.querySelector('#camera-page') && "
                    + "document.querySelector('#camera-page').textContent.includes('of 2')");
            assertThat(b.evaluate("[...document.querySelectorAll('#camera-table tbody.site-group')].map(g => "
                    + "g.dataset.site)").toString()).contains("default");
            assertThat(b.evaluate("document.querySelectorAll('#camera-table tr[data-camera]').length").asInt())
                    .isEqualTo(50);
            b.click("#camera-next");
            b.waitFor("document.querySelector('#camera-page').textContent.startsWith('Page 2')", Duration.ofSeconds(10));
            b.type("#camera-search", "ui-bulk-07");
            b.waitFor("document.querySelectorAll('#camera-table tr[data-camera]').length === 1 && "
                    + "document.querySelector('#camera-table tr[data-camera=\"ui-bulk-07\"]')", Duration.ofSeconds(10));
            b.evaluate("(() => { const s = document.querySelector('#camera-search'); s.value = ''; "
                    + "s.dispatchEvent(new Event('input')); })()");

            // add: test first, the probe's facts and snapshot shown before saving
            b.click("#camera-add");
            b.waitFor("document.querySelector('#camera-form')", Duration.ofSeconds(10));
            b.type("#cam-id", "ui-cam");
            b.type("#cam-name", "Gate UI");
            b.evaluate("document.querySelector('#cam-site').value = 'site-a'");
            b.type("#cam-url", "gopher://192.0.2.1/");
            b.click("#camera-test");
            b.waitFor("document.querySelector('#camera-errors li[data-field=\"url\"]') && "
                    + "document.querySelector('#cam-url').getAttribute('aria-invalid') === 'true'", Duration.ofSeconds(30));
            b.evaluate("document.querySelector('#cam-url').value = ''");
            b.type("#cam-url", "test:?size=320x180&fps=5");
            b.click("#camera-test");
            b.waitFor("document.querySelector('#camera-probe [data-ok=\"true\"]') && "
                    + "document.querySelector('#camera-snapshot').naturalWidth > 0", Duration.ofSeconds(60));
            assertThat(b.evaluate("document.querySelector('#camera-probe-main').textContent").asText())
                    .contains("H264").contains("320×180").contains("5 fps");
            assertThat(b.evaluate("document.querySelector('#camera-snapshot').naturalWidth").asInt()).isEqualTo(320);

            // a zone drawn by keyboard: its first point moved 5 % right, a point added after it; then a mask
            b.click("#add-zone");
            b.waitFor("document.activeElement && document.activeElement.getAttribute('data-point') === '0'",
                    Duration.ofSeconds(10));
            for (int i = 0; i < 5; i++) {
                b.press("ArrowRight");
            }
            b.press("Enter");
            b.waitFor("document.activeElement && document.activeElement.getAttribute('data-point') === '1' && "
                    + "document.querySelectorAll('#zone-editor g.zone circle').length === 4", Duration.ofSeconds(10));
            b.press("Escape");
            b.click("#add-mask");
            b.press("Delete"); // a mask keeps at least 3 points: nothing removed, and it says so
            assertThat(b.evaluate("document.querySelector('#zone-live').textContent").asText()).contains("at least 3");
            b.press("Escape");
            List<String> axe = axeProblems(b);
            assertThat(axe).as("the camera editor, with a snapshot and shapes").isEmpty();
            b.screenshot(SCREENSHOTS.resolve("camera-editor.png"));
            b.click("#camera-save");
            b.waitFor("document.querySelector('#camera-table tr[data-camera=\"ui-cam\"]')", Duration.ofSeconds(30));
        }
        JsonNode saved = Json.mapper().readTree(call("gateway", "GET", "/api/cameras/ui-cam", null, admin).body());
        assertThat(saved.path("site").asText()).isEqualTo("site-a");
        assertThat(saved.path("zones").get(0).path("polygon")).hasSize(4);
        assertThat(saved.path("zones").get(0).path("polygon").get(0).path("x").asDouble()).isEqualTo(0.45);
        assertThat(saved.path("masks")).hasSize(1);

        try (Browser b = signedIn("admin", SharedStack.adminPassword(), "")) {
            // the mask is drawn over the live picture
            go(b, "#/live", "document.querySelector('li[data-camera=\"ui-cam\"] svg.mask-overlay polygon')");
            // edit, disable, remove
            go(b, "#/settings/cameras", "document.querySelector('#camera-search')");
            b.type("#camera-search", "ui-cam");
            b.waitFor("document.querySelectorAll('#camera-table tr[data-camera]').length === 1", Duration.ofSeconds(10));
            b.click("tr[data-camera=\"ui-cam\"] [data-action=\"edit\"]");
            b.waitFor("document.querySelector('#cam-name') && document.querySelector('#cam-name').value === 'Gate UI' "
                    + "&& document.querySelectorAll('#zone-editor g.zone circle').length === 4", Duration.ofSeconds(10));
            b.evaluate("document.querySelector('#cam-name').value = 'Gate UI, north door'");
            // 3 days of its own, with a 10-day-old minute of it indexed: the real retention service previews the
            // change as deleting that minute, and the change waits for the admin's confirmation
            Instant tenDaysAgo = Instant.now().minus(Duration.ofDays(10));
            sql("insert into events.segments (segment_id, camera_id, site, root, path, started_at, ended_at, frames, "
                    + "bytes, sha256, codec, width, height) values ('ui-cam-old', 'ui-cam', 'site-a', '/nonexistent', "
                    + "'ui-cam/old.avi', '" + tenDaysAgo + "', '" + tenDaysAgo.plusSeconds(60) + "', 300, 4096, 'x', "
                    + "'h264', 320, 180)");
            try {
                b.type("#cam-retention", "3");
                b.click("#camera-save");
                b.waitFor("document.querySelector('#camera-confirm-retention')", Duration.ofSeconds(30));
                assertThat(b.evaluate("document.querySelector('#camera-errors').textContent").asText())
                        .contains("would delete 1 recordings").contains("4096 bytes").doesNotContain("confirm=");
                assertThat(Json.mapper().readTree(call("gateway", "GET", "/api/cameras/ui-cam", null, admin).body())
                        .path("retentionDays").isNull()).as("nothing stored before the confirmation").isTrue();
                assertThat(axeProblems(b)).as("the retention confirmation").isEmpty();
                b.click("#camera-confirm-retention");
                b.waitFor("document.querySelector('#cameras-status').textContent.includes('ui-cam saved')",
                        Duration.ofSeconds(30));
            } finally {
                sql("delete from events.segments where segment_id = 'ui-cam-old'");
            }
            JsonNode edited = Json.mapper().readTree(call("gateway", "GET", "/api/cameras/ui-cam", null, admin).body());
            assertThat(edited.path("name").asText()).isEqualTo("Gate UI, north door");
            assertThat(edited.path("retentionDays").asInt()).isEqualTo(3);
            // retention follows the registry: the camera's 3 days are in force
            long policyDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            JsonNode policy;
            do {
                policy = Json.mapper().readTree(call("gateway", "GET", "/api/retention/policy", null, admin).body());
            } while (policy.path("cameraDays").path("ui-cam").asInt() != 3 && System.nanoTime() < policyDeadline);
            assertThat(policy.path("cameraDays").path("ui-cam").asInt()).isEqualTo(3);
            b.click("tr[data-camera=\"ui-cam\"] [data-action=\"toggle\"]");
            b.waitFor("document.querySelector('#cameras-status').textContent.includes('ui-cam disabled')",
                    Duration.ofSeconds(30));
            assertThat(Json.mapper().readTree(call("gateway", "GET", "/api/cameras/ui-cam", null, admin).body())
                    .path("enabled").asBoolean()).isFalse();
            b.click("tr[data-camera=\"ui-cam\"] [data-action=\"remove\"]");
            b.click("tr[data-camera=\"ui-cam\"] [data-action=\"confirm-remove\"]");
            b.waitFor("document.querySelector('#cameras-status').textContent.includes('ui-cam removed')",
                    Duration.ofSeconds(30));
            assertThat(call("gateway", "GET", "/api/cameras/ui-cam", null, admin).statusCode()).isEqualTo(404);
        }
    }

    @Test
    @Order(16)
    void aCameraAddedReaddressedAndDisabledThroughTheApiChangesWithin5sWithRealRtspCameras() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.vigil.devstack.testing.RtspServer.available(),
                org.vigil.devstack.testing.RtspServer::unavailableReason);
        Path dir = java.nio.file.Files.createDirectories(Path.of("target", "live-changes").toAbsolutePath());
        Path small = org.vigil.devstack.testing.TestClips.writeTs(org.vigil.devstack.testing.TestClips.h264(45, 10, 320,
                180, 10), 10, dir.resolve("small.ts"));
        Path large = org.vigil.devstack.testing.TestClips.writeTs(org.vigil.devstack.testing.TestClips.h264(60, 10, 640,
                360, 10), 10, dir.resolve("large.ts"));
        String cam = "live-rtsp";
        try (org.vigil.devstack.testing.RtspServer a = new org.vigil.devstack.testing.RtspServer(small,
                org.vigil.devstack.testing.SharedServers.freePort(), "/a", null, null).start();
                org.vigil.devstack.testing.RtspServer b = new org.vigil.devstack.testing.RtspServer(large,
                        org.vigil.devstack.testing.SharedServers.freePort(), "/b", null, null).start()) {
            String body = "{\"id\":\"" + cam + "\",\"name\":\"Live RTSP\",\"site\":\"site-a\",\"url\":\"%s\""
                    + "%s}";
            // added: online within 5 s
            Instant added = Instant.now();
            assertThat(call("gateway", "POST", "/api/cameras", String.format(body, a.url(), ""), admin).statusCode())
                    .isEqualTo(201);
            JsonNode online = awaitStatus(cam, s -> "online".equals(s.path("state").asText()) && s.path("width")
                    .asInt() == 320, added);
            long addMs = Duration.between(added, Instant.parse(online.path("at").asText())).toMillis();
            assertThat(addMs).as("added to online").isLessThanOrEqualTo(5_000);

            // a new address: reconnected within 5 s, and the recording cut cleanly between the two streams
            awaitSegmentOf(cam, 320);
            Instant moved = Instant.now();
            assertThat(call("gateway", "PUT", "/api/cameras/" + cam, String.format(body, b.url(), ""), admin)
                    .statusCode()).isEqualTo(200);
            JsonNode reconnected = awaitStatus(cam, s -> "online".equals(s.path("state").asText())
                    && s.path("width").asInt() == 640, moved);
            long moveMs = Duration.between(moved, Instant.parse(reconnected.path("at").asText())).toMillis();
            assertThat(moveMs).as("new address to online").isLessThanOrEqualTo(5_000);
            JsonNode large1 = awaitSegmentOf(cam, 640);
            JsonNode lastSmall = null;
            for (JsonNode s : segments(cam)) {
                if (s.path("width").asInt() == 320 && (lastSmall == null || Instant.parse(s.path("endedAt").asText())
                        .isAfter(Instant.parse(lastSmall.path("endedAt").asText())))) {
                    lastSmall = s;
                }
            }
            assertThat(lastSmall).as("a segment of the first address").isNotNull();
            assertThat(Instant.parse(lastSmall.path("endedAt").asText()))
                    .as("the first address's last segment ends before the second's first begins")
                    .isBeforeOrEqualTo(Instant.parse(large1.path("startedAt").asText()));

            // disabled: the stream closed within 5 s
            Instant off = Instant.now();
            assertThat(call("gateway", "PUT", "/api/cameras/" + cam + "/enabled", "{\"enabled\":false}", admin)
                    .statusCode()).isEqualTo(200);
            JsonNode disabled = awaitStatus(cam, s -> "disabled".equals(s.path("state").asText()), off);
            long offMs = Duration.between(off, Instant.parse(disabled.path("at").asText())).toMillis();
            assertThat(offMs).as("disabled to closed").isLessThanOrEqualTo(5_000);
            System.out.printf("live changes with real RTSP cameras: added -> online %d ms, new address -> online %d "
                    + "ms, disabled -> closed %d ms%n", addMs, moveMs, offMs);
        } finally {
            call("gateway", "DELETE", "/api/cameras/" + cam, null, admin);
        }
    }

    @Test
    @Order(17)
    void newMasksZonesAndSensitivityReachMotionAnalysisWithin5sWithARealRtspCamera() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.vigil.devstack.testing.RtspServer.available(),
                org.vigil.devstack.testing.RtspServer::unavailableReason);
        // a faint square (24 grey levels over the background) pacing across the left half for the whole clip
        Path clip = org.vigil.devstack.testing.TestClips.writeTs(org.vigil.devstack.testing.TestClips.pacing(120, 10,
                320, 180, 10, 24), 10, java.nio.file.Files.createDirectories(Path.of("target", "live-motion")
                        .toAbsolutePath()).resolve("pacing.ts"));
        String cam = "live-motion";
        List<Map<String, Object>> leftHalf = List.of(area("left", 0, 0.55));
        List<Map<String, Object>> rightHalf = List.of(area("right", 0.6, 1));
        try (org.vigil.devstack.testing.RtspServer rtsp = new org.vigil.devstack.testing.RtspServer(clip,
                org.vigil.devstack.testing.SharedServers.freePort(), "/pacing", null, null).start()) {
            Map<String, Object> camera = new LinkedHashMap<>(Map.of("id", cam, "name", "Live motion", "site", "site-a",
                    "url", rtsp.url(), "sensitivity", 0.9));
            Instant added = Instant.now();
            assertThat(call("gateway", "POST", "/api/cameras", new String(Json.write(camera), StandardCharsets.UTF_8),
                    admin).statusCode()).isEqualTo(201);
            Seen moving = new Seen(added, motion(cam, MotionEvent.Phase.START, null, added));

            // a mask over the square's half: the motion in progress ends
            camera.put("masks", leftHalf);
            Ended ended = untilEnd(cam, camera, moving.event());
            long maskMs = ended.tookMs();
            // the mask gone: motion again (and none in between: the mask held until then)
            camera.put("masks", List.of());
            moving = untilStart(cam, camera, ended.end());
            long unmaskMs = Math.max(0, Duration.between(moving.changed(), moving.event().at()).toMillis());
            // the least sensitivity: the faint square no longer counts
            camera.put("sensitivity", 0.0);
            ended = untilEnd(cam, camera, moving.event());
            long insensitiveMs = ended.tookMs();
            // sensitive again, counting only the left half: motion again
            camera.put("sensitivity", 0.9);
            camera.put("zones", leftHalf);
            moving = untilStart(cam, camera, ended.end());
            long zoneMs = Math.max(0, Duration.between(moving.changed(), moving.event().at()).toMillis());
            // counting only the right half, where nothing moves: the motion ends
            camera.put("zones", rightHalf);
            long otherZoneMs = untilEnd(cam, camera, moving.event()).tookMs();

            System.out.printf("new analysis settings with a real RTSP camera: mask -> motion ended %d ms, mask removed "
                    + "-> motion %d ms, least sensitivity -> ended %d ms, sensitive with a zone -> motion %d ms, zone "
                    + "moved away -> ended %d ms%n", maskMs, unmaskMs, insensitiveMs, zoneMs, otherZoneMs);
            assertThat(maskMs).as("a mask to the last motion it let through").isLessThanOrEqualTo(5_000);
            assertThat(unmaskMs).as("the mask removed to motion").isLessThanOrEqualTo(5_000);
            assertThat(insensitiveMs).as("least sensitivity to the last motion seen").isLessThanOrEqualTo(5_000);
            assertThat(zoneMs).as("sensitive again, with a zone, to motion").isLessThanOrEqualTo(5_000);
            assertThat(otherZoneMs).as("a zone away from the motion to the last motion seen")
                    .isLessThanOrEqualTo(5_000);
        } finally {
            call("gateway", "DELETE", "/api/cameras/" + cam, null, admin);
        }
    }

    @Test
    @Order(19)
    void aCameraWhoseCodecTheBrowserCannotPlayNativelyShowsItsPreviewAndSaysWhy() throws Exception {
        assumeBrowser();
        org.junit.jupiter.api.Assumptions.assumeTrue(org.vigil.devstack.testing.RtspServer.h265Available(),
                "GStreamer's x265enc is not installed");
        String cam = "live-h265";
        try (org.vigil.devstack.testing.RtspServer rtsp = org.vigil.devstack.testing.RtspServer.h265(
                org.vigil.devstack.testing.SharedServers.freePort(), "/h265").start()) {
            assertThat(call("gateway", "POST", "/api/cameras", "{\"id\":\"" + cam + "\",\"name\":\"H.265 camera\","
                    + "\"site\":\"site-a\",\"url\":\"" + rtsp.url() + "\"}", admin).statusCode()).isEqualTo(201);
            awaitStatus(cam, s -> "online".equals(s.path("state").asText()), Instant.EPOCH);
            try (Browser b = signedIn("admin", SharedStack.adminPassword(), "")) {
                go(b, "#/live", "document.querySelector('button[data-open=\"" + cam + "\"]')");
                b.click("button[data-open=\"" + cam + "\"]");
                // the site's recorder says it is not sent natively; the single view says so and shows the preview
                b.waitFor("!document.querySelector('#live-single-note').hidden && Number(document.querySelector("
                        + "'#live-single canvas[data-live=\"" + cam + "\"]').dataset.frames) >= 3", Duration.ofSeconds(60));
                assertThat(b.evaluate("document.querySelector('#live-single-note').textContent").asText())
                        .contains("hevc").contains("preview");
                assertThat(b.evaluate("document.querySelector('video[data-native=\"" + cam + "\"]').hidden")
                        .asBoolean()).isTrue();
                assertThat(axeProblems(b)).as("the single view's fallback").isEmpty();
            }
        } finally {
            call("gateway", "DELETE", "/api/cameras/" + cam, null, admin);
        }
    }

    /** A rectangle from {@code x0} to {@code x1} across the whole height, as a zone or mask of the camera API. */
    private static Map<String, Object> area(String name, double x0, double x1) {
        return Map.of("name", name, "polygon", List.of(Map.of("x", x0, "y", 0.0), Map.of("x", x1, "y", 0.0),
                Map.of("x", x1, "y", 1.0), Map.of("x", x0, "y", 1.0)));
    }

    /** Stores the camera as given; returns the moment before the request. */
    private static Instant change(String id, Map<String, Object> camera) throws Exception {
        Instant at = Instant.now();
        HttpResponse<String> r = call("gateway", "PUT", "/api/cameras/" + id, new String(Json.write(camera),
                StandardCharsets.UTF_8), admin);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return at;
    }

    /** A motion event and the change it followed. */
    private record Seen(Instant changed, MotionEvent event) {
    }

    /** A motion event's end, and how long after the change the last motion was seen (0: before it). */
    private record Ended(MotionEvent end, long tookMs) {
    }

    /**
     * Once the motion event {@code moving} is seen going on now (an update, sent each second while there is motion),
     * stores the camera as given and waits for that event's end.
     */
    private static Ended untilEnd(String id, Map<String, Object> camera, MotionEvent moving) throws Exception {
        motion(id, MotionEvent.Phase.UPDATE, moving.eventId(), Instant.now());
        Instant at = change(id, camera);
        MotionEvent end = motion(id, MotionEvent.Phase.END, moving.eventId(), Instant.EPOCH);
        return new Ended(end, Math.max(0, Duration.between(at, end.at()).toMillis()));
    }

    /**
     * Stores the camera as given and waits for motion to start; fails when motion started again after {@code end} but
     * before the change (the settings that ended it did not hold).
     */
    private static Seen untilStart(String id, Map<String, Object> camera, MotionEvent end) throws Exception {
        Instant at = change(id, camera);
        MotionEvent start = motion(id, MotionEvent.Phase.START, null, end.at().plusMillis(1));
        assertThat(start.at()).as("no motion between the end and the change").isAfterOrEqualTo(at.minusMillis(50));
        return new Seen(at, start);
    }

    /** The first motion event of {@code camera} in {@code phase} (of {@code eventId}, when given) at or after {@code since}. */
    private static MotionEvent motion(String camera, MotionEvent.Phase phase, String eventId, Instant since) {
        return TopicProbe.await("127.0.0.1:" + stack.port("KAFKA_PORT"), Topics.MOTION, Duration.ofSeconds(60), r -> {
            MotionEvent e = Json.read(r.value(), MotionEvent.class);
            return camera.equals(e.cameraId()) && e.phase() == phase && (eventId == null || eventId.equals(
                    e.eventId())) && !e.at().isBefore(since) ? e : null;
        });
    }

    /**
     * The camera's latest status once it matches {@code wanted} and was observed at or after {@code since} (60 s at
     * most), polled every 100 ms: the first such status is the change itself (capture repeats it only every 10 s; a
     * new size at the same state is not a change of state, so the history does not keep it).
     */
    private static JsonNode awaitStatus(String camera, java.util.function.Predicate<JsonNode> wanted, Instant since)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode s : Json.mapper().readTree(call("gateway", "GET", "/api/cameras/status", null, admin)
                    .body())) {
                if (camera.equals(s.path("cameraId").asText()) && wanted.test(s)
                        && !Instant.parse(s.path("at").asText()).isBefore(since.minusMillis(50))) {
                    return s;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no such status of " + camera + " within 60 s");
    }

    /** Runs one statement on the stack's event store, as its superuser (test data the stack cannot make itself). */
    private static void sql(String statement) throws Exception {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:"
                + stack.port("POSTGRES_PORT") + "/vigil", org.vigil.devstack.embedded.EmbeddedPostgresServer.SUPERUSER,
                ""); java.sql.Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    private static JsonNode segments(String camera) throws Exception {
        return Json.mapper().readTree(call("gateway", "GET", "/api/segments?camera=" + camera, null, admin).body());
    }

    private static JsonNode awaitSegmentOf(String camera, int width) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode s : segments(camera)) {
                if (s.path("width").asInt() == width) {
                    return s;
                }
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no " + width + " wide segment of " + camera + " within 60 s");
    }

    /** A JavaScript function: the value of an input type=datetime-local (local time, seconds) for a Date. */
    static final String LOCAL_TIME = "d => { const p = n => String(n).padStart(2, '0'); return d.getFullYear() + '-' + "
            + "p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T' + p(d.getHours()) + ':' + p(d.getMinutes()) + "
            + "':' + p(d.getSeconds()); }";

    static long pct(List<Long> sorted, int p) {
        return sorted.isEmpty() ? -1 : sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100));
    }

    static void assumeBrowser() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Browser.executable().isPresent(),
                "Debian's chromium or chromedriver is not installed (apt-get install chromium chromium-driver); .ci/run installs them");
    }

    // ---- helpers

    static int port(String service) {
        return stack.port(switch (service) {
            case "gateway" -> "GATEWAY_PORT";
            case "capture" -> "CAPTURE_PORT";
            case "recorder" -> "RECORDER_PORT";
            case "events" -> "EVENT_PORT";
            case "export" -> "EXPORT_PORT";
            case "retention" -> "RETENTION_PORT";
            default -> throw new IllegalArgumentException(service);
        });
    }

    static HttpResponse<String> call(String service, String method, String path, String body, String bearer)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(service) + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + bearer)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String login(String user, String password) throws Exception {
        return WholeStackIT.login(stack, user, password);
    }

    static void createUser(String name, String role, String site) throws Exception {
        HttpResponse<String> r = call("gateway", "POST", "/api/users", "{\"username\":\"" + name + "\",\"password\":"
                + "\"matrix-password-" + role + "\",\"role\":\"" + role + "\",\"sites\":[\"" + site + "\"]}", admin);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    static JsonNode awaitSegment(String camera) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode list = Json.mapper().readTree(call("gateway", "GET", "/api/segments?camera=" + camera, null,
                    admin).body());
            if (list.isArray() && list.size() > 0) {
                return list.get(0);
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no segment of " + camera + " within 120 s");
    }

    static String awaitEvent(String camera) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode page = Json.mapper().readTree(call("gateway", "GET", "/api/events?camera=" + camera, null,
                    admin).body());
            for (JsonNode e : page.path("items")) {
                if (e.path("hasSnapshot").asBoolean()) {
                    return e.path("eventId").asText();
                }
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no motion event with a snapshot from " + camera + " within 120 s");
    }

    /**
     * Focuses cam-a's last span on the timeline and starts it with Enter, once a new segment has redrawn the row: cam-a
     * records segments of 4 s, and the span focused by keyboard must stay focused through the redraw (it lost the focus
     * before, and the Enter then went nowhere now and then).
     */
    private static void startTheLastSpanByKeyboard(Browser b) throws Exception {
        b.evaluate("(() => { const s = [...document.querySelectorAll('#timeline button.seg')].pop(); s.focus(); "
                + "s.dataset.drawnBefore = '1'; })()");
        b.waitFor("(() => { const s = [...document.querySelectorAll('#timeline button.seg')].pop(); "
                + "return s && !s.dataset.drawnBefore ? true : null; })()", Duration.ofSeconds(30));
        assertThat(b.evaluate("document.activeElement === [...document.querySelectorAll('#timeline button.seg')]"
                + ".pop()").asBoolean()).as("the focused span is still focused after its row was redrawn").isTrue();
        b.press("Enter");
    }
}
