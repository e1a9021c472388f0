package org.vigil.events;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.Box;
import org.vigil.contracts.CameraStatus;
import org.vigil.contracts.Detections;
import org.vigil.contracts.Json;
import org.vigil.contracts.LiveUpdate;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.SegmentClosed;
import org.vigil.contracts.Topics;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.testing.KafkaTestResource;
import org.vigil.devstack.testing.PostgresTestResource;
import org.vigil.devstack.testing.RedisTestResource;
import org.vigil.devstack.testing.TestTokens;
import org.vigil.devstack.testing.TokenIssuerTestResource;
import org.vigil.devstack.testing.TopicProbe;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(TokenIssuerTestResource.class)
class EventServiceTest {

    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;

    @Inject
    RedisDataSource redis;

    private void sendMotion(MotionEvent e) {
        TopicProbe.send(bootstrap, Topics.MOTION, e.cameraId(), Json.write(e));
    }

    private static MotionEvent motion(String id, String site, MotionEvent.Phase phase, long atMillis) {
        return new MotionEvent(1, id, "cam-" + site, site, phase, T0, T0.plusMillis(atMillis), 0.1 + atMillis / 1e5,
                List.of(new Box(0.1, 0.2, 0.3, 0.4)), null);
    }

    @Test
    void exposesEveryMetricOfTheCatalog() {
        // the write metrics appear with the first write
        sendMotion(motion(java.util.UUID.randomUUID().toString(), "metrics", MotionEvent.Phase.START, T0.toEpochMilli()));
        assertThat(org.vigil.devstack.testing.MetricsCatalog.awaitMissing("event-service",
                () -> io.restassured.RestAssured.get(org.vigil.devstack.testing.Management.url("/q/metrics")).asString(), java.time.Duration.ofSeconds(60)))
                .as("metrics docs/metrics.md lists for event-service but /q/metrics lacks").isEmpty();
    }

    @Test
    void aRedeliveredMotionEventIsStoredOnceAndFannedOutToItsSite() throws Exception {
        List<LiveUpdate> received = new CopyOnWriteArrayList<>();
        var sub = redis.pubsub(String.class).subscribe(LiveUpdate.channel("hq"),
                json -> received.addAll(List.of(Json.read(json.getBytes(), LiveUpdate[].class))));
        try {
            String id = UUID.randomUUID().toString();
            sendMotion(motion(id, "hq", MotionEvent.Phase.START, 0));
            sendMotion(motion(id, "hq", MotionEvent.Phase.START, 0));
            sendMotion(motion(id, "hq", MotionEvent.Phase.UPDATE, 1000));
            sendMotion(motion(id, "hq", MotionEvent.Phase.END, 2000));

            await(() -> query("select count(*) from events.motion_events where event_id = '" + id
                    + "' and ended_at is not null") == 1, "the event row ends");
            assertThat(query("select count(*) from events.motion_events where event_id = '" + id + "'")).isEqualTo(1);
            await(() -> received.stream().anyMatch(u -> u.motion() != null && u.motion().eventId().equals(id)
                    && u.motion().phase() == MotionEvent.Phase.END), "the end reaches Redis");
            assertThat(received).allSatisfy(u -> assertThat(u.site()).isEqualTo("hq"));
        } finally {
            sub.unsubscribe();
        }
    }

    @Inject
    RecordedSpans spans;

    @Test
    void storingAMotionEventContinuesTheTraceItsProducerStartedAndEndsOnceItIsDurable() throws Exception {
        java.util.Random random = new java.util.Random();
        String traceId = String.format("%016x%016x", random.nextLong(), random.nextLong());
        String producerSpan = String.format("%016x", random.nextLong() | 1);
        String id = UUID.randomUUID().toString();
        MotionEvent e = motion(id, "hq", MotionEvent.Phase.START, 0);
        org.apache.kafka.clients.producer.ProducerRecord<String, byte[]> r = new org.apache.kafka.clients.producer.ProducerRecord<>(
                Topics.MOTION, e.cameraId(), Json.write(e));
        r.headers().add(org.vigil.contracts.TraceHeaders.TRACEPARENT,
                ("00-" + traceId + "-" + producerSpan + "-01").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        TopicProbe.send(bootstrap, r);

        io.opentelemetry.sdk.trace.data.SpanData process = spans.await(
                s -> s.getTraceId().equals(traceId) && s.getName().equals(Topics.MOTION + " process"),
                Duration.ofSeconds(60), "processing the motion record in trace " + traceId);
        assertThat(process.getParentSpanId()).isEqualTo(producerSpan);
        assertThat(process.getKind()).isEqualTo(io.opentelemetry.api.trace.SpanKind.CONSUMER);
        assertThat(process.getAttributes().asMap().entrySet()).anySatisfy(a -> {
            assertThat(a.getKey().getKey()).isEqualTo("messaging.destination.name");
            assertThat(a.getValue()).isEqualTo(Topics.MOTION);
        });
        // the connector's own span for the record continues the same trace
        io.opentelemetry.sdk.trace.data.SpanData receive = spans.await(s -> s.getTraceId().equals(traceId)
                && !s.getSpanId().equals(process.getSpanId()), Duration.ofSeconds(10), "receiving the record");
        assertThat(receive.getName()).isEqualTo(Topics.MOTION + " receive");
        assertThat(receive.getParentSpanId()).isEqualTo(producerSpan);
        // the span ends when the batch is durable, not when it is read
        assertThat(query("select count(*) from events.motion_events where event_id = '" + id + "'")).isEqualTo(1);
    }

    @Inject
    @jakarta.enterprise.inject.Any
    jakarta.enterprise.inject.Instance<io.opentelemetry.sdk.trace.SpanProcessor> processors;

    @Test
    void withoutACollectorConfiguredNoSpanLeavesTheProcess() {
        // OTEL_EXPORTER_OTLP_ENDPOINT is unset here: Quarkus' OTLP processor must be its removable placeholder, not a
        // batch exporter that keeps trying localhost:4317 and logging failures
        List<String> kinds = processors.stream().map(p -> p.getClass().getSimpleName()).toList();
        assertThat(kinds).contains("RemoveableLateBoundSpanProcessor").doesNotContain("LateBoundSpanProcessor");
    }

    @Test
    void aLateOlderPhaseDoesNotMoveTheEventBackwards() throws Exception {
        String id = UUID.randomUUID().toString();
        sendMotion(motion(id, "hq", MotionEvent.Phase.START, 0));
        sendMotion(motion(id, "hq", MotionEvent.Phase.END, 3000));
        sendMotion(motion(id, "hq", MotionEvent.Phase.UPDATE, 1000));
        await(() -> query("select count(*) from events.motion_events where event_id = '" + id
                + "' and ended_at is not null") == 1, "the event row ends");
        // the UPDATE came after the END; wait until it is surely consumed: send a marker after it
        String marker = UUID.randomUUID().toString();
        sendMotion(motion(marker, "hq", MotionEvent.Phase.START, 0));
        await(() -> query("select count(*) from events.motion_events where event_id = '" + marker + "'") == 1, "marker");

        assertThat(query("select extract(epoch from last_at - started_at)::int from events.motion_events where event_id = '"
                + id + "'")).isEqualTo(3);
    }

    @Test
    void viewersSeeOnlyTheirSitesEvents() throws Exception {
        String hq = UUID.randomUUID().toString();
        String branch = UUID.randomUUID().toString();
        sendMotion(motion(hq, "hq", MotionEvent.Phase.START, 0));
        sendMotion(motion(branch, "branch", MotionEvent.Phase.START, 0));
        await(() -> query("select count(*) from events.motion_events where event_id in ('" + hq + "','" + branch
                + "')") == 2, "both stored");

        String hqViewer = TestTokens.token("vera", "viewer", "hq");
        given().auth().oauth2(hqViewer).when().get("/api/events?limit=500").then().statusCode(200)
                .body("items.eventId", hasItem(hq)).body("items.eventId", not(hasItem(branch)));
        given().auth().oauth2(hqViewer).when().get("/api/events/" + hq).then().statusCode(200)
                .body("site", equalTo("hq"));
        given().auth().oauth2(hqViewer).when().get("/api/events/" + branch).then().statusCode(404);
        given().auth().oauth2(hqViewer).when().get("/api/events?site=branch").then().statusCode(403);
        given().auth().oauth2(TestTokens.token("ada", "admin", "*")).when().get("/api/events?limit=500")
                .then().statusCode(200).body("items.eventId", hasItem(branch));
    }

    @Test
    void theQueryApiRejectsMissingAndForgedTokens() {
        given().when().get("/api/events").then().statusCode(401);
        given().auth().oauth2(TestTokens.forged("mallory", "admin", "*")).when().get("/api/events").then()
                .statusCode(401);
    }

    @Test
    void malformedQueryParametersGet400NamingTheParameter() {
        String t = TestTokens.token("vera", "viewer", "hq");
        given().auth().oauth2(t).when().get("/api/events?limit=0").then().statusCode(400)
                .body("parameter", equalTo("limit"));
        given().auth().oauth2(t).when().get("/api/events/not-a-uuid").then().statusCode(400)
                .body("parameter", equalTo("id"));
        given().auth().oauth2(t).when().get("/api/segments?camera=c&from=yesterday").then().statusCode(400)
                .body("parameter", equalTo("from"));
        given().auth().oauth2(t).when().get("/api/segments").then().statusCode(400)
                .body("parameter", equalTo("camera"));
    }

    @Test
    void aSnapshotIsServedAsJpegForItsEvent() throws Exception {
        String id = UUID.randomUUID().toString();
        byte[] jpeg = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 1, 2, 3, (byte) 0xFF, (byte) 0xD9};
        TopicProbe.send(bootstrap, Topics.SNAPSHOTS, id, jpeg);
        sendMotion(motion(id, "hq", MotionEvent.Phase.START, 0));
        await(() -> query("select count(*) from events.snapshots where event_id = '" + id + "'") == 1, "snapshot");
        await(() -> query("select count(*) from events.motion_events where event_id = '" + id + "'") == 1, "event");

        byte[] body = given().auth().oauth2(TestTokens.token("vera", "viewer", "hq"))
                .when().get("/api/events/" + id + "/snapshot").then().statusCode(200)
                .contentType("image/jpeg").extract().asByteArray();
        assertThat(body).isEqualTo(jpeg);
    }

    @Test
    void aRedeliveredSegmentIsIndexedOnceAndFoundByTime() throws Exception {
        SegmentClosed s = new SegmentClosed(1, "cam-seg/recording_cam-seg_x.avi", "cam-seg", "hq", "/rec",
                "hq/cam-seg/2026-11-28/recording_cam-seg_x.avi", T0, T0.plusSeconds(60), 900, 12345, "ab", "h264", 640,
                360);
        TopicProbe.send(bootstrap, Topics.SEGMENTS, s.cameraId(), Json.write(s));
        TopicProbe.send(bootstrap, Topics.SEGMENTS, s.cameraId(), Json.write(s));
        await(() -> query("select count(*) from events.segments where camera_id = 'cam-seg'") == 1, "segment");

        given().auth().oauth2(TestTokens.token("vera", "viewer", "hq"))
                .when().get("/api/segments?camera=cam-seg&from=" + T0.plusSeconds(30) + "&to=" + T0.plusSeconds(90))
                .then().statusCode(200).body("size()", equalTo(1)).body("[0].frames", equalTo(900));
        given().auth().oauth2(TestTokens.token("otto", "viewer", "branch"))
                .when().get("/api/segments?camera=cam-seg").then().statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void aCamerasSegmentsAreMergedIntoSpansWhereTheyMeetAndGapsStayGaps() throws Exception {
        String cam = "cam-span-" + UUID.randomUUID().toString().substring(0, 6);
        // three segments a few frames apart, a 6 s gap, two more; then 300 of 4 s in a row (more than a page of
        // segments: the timeline asks for spans, never for every segment of a day)
        List<double[]> at = new java.util.ArrayList<>(List.of(new double[] {0, 4}, new double[] {4.1, 8},
                new double[] {8.2, 12}, new double[] {18, 22}, new double[] {22.05, 26}));
        for (int i = 0; i < 300; i++) {
            at.add(new double[] {100 + 4 * i, 104 + 4 * i});
        }
        List<SegmentClosed> segments = new java.util.ArrayList<>();
        for (int i = 0; i < at.size(); i++) {
            Instant start = T0.plusMillis((long) (at.get(i)[0] * 1000));
            Instant end = T0.plusMillis((long) (at.get(i)[1] * 1000));
            segments.add(new SegmentClosed(1, cam + "/s" + i, cam, "hq", "/rec", "hq/" + cam + "/s" + i + ".avi", start,
                    end, 40, 1000, "ab", "h264", 640, 360));
        }
        for (SegmentClosed sc : segments) {
            TopicProbe.send(bootstrap, Topics.SEGMENTS, cam, Json.write(sc));
        }
        await(() -> query("select count(*) from events.segments where camera_id = '" + cam + "'") == at.size(),
                "segments indexed");
        String vera = TestTokens.token("vera", "viewer", "hq");
        String range = "&from=" + T0.minusSeconds(60) + "&to=" + T0.plusSeconds(3600);
        given().auth().oauth2(vera).when().get("/api/segments/spans?camera=" + cam + range).then().statusCode(200)
                .body("size()", equalTo(3))
                .body("[0].start", equalTo(T0.toString())).body("[0].end", equalTo(T0.plusSeconds(12).toString()))
                .body("[0].segments", equalTo(3)).body("[1].segments", equalTo(2))
                .body("[1].start", equalTo(T0.plusSeconds(18).toString())).body("[2].segments", equalTo(300))
                .body("[2].bytes", equalTo(300_000));
        // no merging with a gap of 0 but where segments meet exactly, all of it with 80 s (the largest gap is 74 s)
        given().auth().oauth2(vera).when().get("/api/segments/spans?gap=0&camera=" + cam + range).then()
                .statusCode(200).body("size()", equalTo(305 - 300 + 1)); // the 4 s run meets exactly: still one
        given().auth().oauth2(vera).when().get("/api/segments/spans?gap=80000&camera=" + cam + range).then()
                .statusCode(200).body("size()", equalTo(1));
        // another site's viewer: nothing; bad input: 400 naming the parameter
        given().auth().oauth2(TestTokens.token("otto", "viewer", "branch")).when()
                .get("/api/segments/spans?camera=" + cam + range).then().statusCode(200).body("size()", equalTo(0));
        given().auth().oauth2(vera).when().get("/api/segments/spans?camera=" + cam).then().statusCode(400)
                .body("parameter", equalTo("to"));
        given().auth().oauth2(vera).when().get("/api/segments/spans?gap=-1&camera=" + cam + range).then()
                .statusCode(400).body("parameter", equalTo("gap"));
        given().auth().oauth2(vera).when().get("/api/segments/spans?camera=" + cam + "&from=" + T0 + "&to="
                + T0.plusSeconds(30 * 86400)).then().statusCode(400).body("parameter", equalTo("to"));
    }

    @Test
    void eventsAreMarkedReviewedPerUserAndForTheTeamInBulkFilteredByZoneAndReviewStateAndAudited() throws Exception {
        String site = "rev-" + UUID.randomUUID().toString().substring(0, 6);
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String id = UUID.randomUUID().toString();
            ids.add(id);
            sendMotion(new MotionEvent(1, id, "cam-rev", site, MotionEvent.Phase.START, T0.plusSeconds(i),
                    T0.plusSeconds(i), 0.2, List.of(), i < 2 ? "gate" : "yard"));
        }
        String other = UUID.randomUUID().toString();
        sendMotion(new MotionEvent(1, other, "cam-far", site + "-far", MotionEvent.Phase.START, T0, T0, 0.2, List.of(),
                null));
        await(() -> query("select count(*) from events.motion_events where site like '" + site + "%'") == 5,
                "stored");
        String olga = TestTokens.token("olga", "operator", site);
        String otto = TestTokens.token("otto", "operator", site);
        String vera = TestTokens.token("vera", "viewer", site);
        java.util.function.BiFunction<String, String, List<String>> list = (token, query) -> given().auth()
                .oauth2(token).when().get("/api/events?site=" + site + query).then().statusCode(200).extract()
                .jsonPath().getList("items.eventId");
        assertThat(list.apply(olga, "&zone=gate")).containsExactly(ids.get(1), ids.get(0));

        // olga marks the gate's two events reviewed, for herself: otto's view does not change
        given().auth().oauth2(olga).contentType("application/json").body(Map.of("events", ids.subList(0, 2),
                "reviewed", true)).when().post("/api/events/reviews").then().statusCode(200).body("events",
                        equalTo(2));
        assertThat(list.apply(olga, "&reviewed=mine")).containsExactly(ids.get(1), ids.get(0));
        assertThat(list.apply(olga, "&reviewed=notmine")).containsExactly(ids.get(3), ids.get(2));
        assertThat(list.apply(otto, "&reviewed=mine")).isEmpty();
        given().auth().oauth2(olga).when().get("/api/events/" + ids.get(0)).then().statusCode(200)
                .body("reviewed", equalTo(true)).body("teamReviewedBy", org.hamcrest.Matchers.nullValue());
        // marking again changes nothing
        given().auth().oauth2(olga).contentType("application/json").body(Map.of("events", ids.subList(0, 2),
                "reviewed", true)).when().post("/api/events/reviews").then().statusCode(200);
        assertThat(query("select count(*) from events.event_reviews where reviewer = 'olga' and event_id in ('"
                + ids.get(0) + "','" + ids.get(1) + "')")).isEqualTo(2);

        // otto marks one of the yard's events for the team: everyone sees the flag, and who set it
        given().auth().oauth2(otto).contentType("application/json").body(Map.of("events", List.of(ids.get(2)),
                "reviewed", true, "team", true)).when().post("/api/events/reviews").then().statusCode(200);
        assertThat(list.apply(vera, "&reviewed=team")).containsExactly(ids.get(2));
        assertThat(list.apply(vera, "&reviewed=notteam&zone=yard")).containsExactly(ids.get(3));
        given().auth().oauth2(vera).when().get("/api/events/" + ids.get(2)).then().statusCode(200)
                .body("teamReviewedBy", equalTo("otto")).body("reviewed", equalTo(false));

        // a viewer marks for herself, not for the team
        given().auth().oauth2(vera).contentType("application/json").body(Map.of("events", List.of(ids.get(3)),
                "reviewed", true, "team", true)).when().post("/api/events/reviews").then().statusCode(403);
        given().auth().oauth2(vera).contentType("application/json").body(Map.of("events", List.of(ids.get(3)),
                "reviewed", true)).when().post("/api/events/reviews").then().statusCode(200);

        // all or nothing: one event of a site she may not see fails the request, and nothing of it is marked
        given().auth().oauth2(olga).contentType("application/json").body(Map.of("events", List.of(ids.get(3), other),
                "reviewed", true)).when().post("/api/events/reviews").then().statusCode(404);
        assertThat(list.apply(olga, "&reviewed=mine")).doesNotContain(ids.get(3));
        // bad input: a 400 naming the field
        given().auth().oauth2(olga).contentType("application/json").body(Map.of("events", List.of("nope"),
                "reviewed", true)).when().post("/api/events/reviews").then().statusCode(400)
                .body("parameter", equalTo("id"));
        given().auth().oauth2(olga).contentType("application/json").body(Map.of("events", List.of())).when()
                .post("/api/events/reviews").then().statusCode(400).body("parameter", equalTo("events"));
        given().auth().oauth2(olga).when().get("/api/events?reviewed=maybe").then().statusCode(400)
                .body("parameter", equalTo("reviewed"));

        // unmarked again by the team
        given().auth().oauth2(olga).contentType("application/json").body(Map.of("events", List.of(ids.get(2)),
                "reviewed", false, "team", true)).when().post("/api/events/reviews").then().statusCode(200);
        assertThat(list.apply(vera, "&reviewed=team")).isEmpty();
        // every change is in the audit log, with who, which site and which events
        await(() -> query("select count(*) from events.audit_log where site = '" + site + "' and action in "
                + "('event.review', 'event.unreview')") == 5, "five review changes audited");
        assertThat(query("select count(*) from events.audit_log where site = '" + site + "' and actor = 'otto' and "
                + "details->>'team' = 'true' and details->>'events' = '" + ids.get(2) + "'")).isEqualTo(1);
    }

    @Test
    void anOperatorBookmarksAMomentWithANoteThatIsSearchedAuditedAndRemovedOnlyByItsAuthorOrAnAdmin()
            throws Exception {
        String site = "bm-" + UUID.randomUUID().toString().substring(0, 6);
        String cam = "cam-" + site;
        TopicProbe.send(bootstrap, Topics.CAMERAS, cam, Json.write(new org.vigil.contracts.CameraConfig(
                org.vigil.contracts.CameraConfig.VERSION, cam, cam, site, "test:", null, true, 0.5, null, null, T0,
                "test")));
        String olga = TestTokens.token("olga", "operator", site);
        Instant at = T0.minusSeconds(600);
        Map<String, Object> body = Map.of("camera", cam, "at", at.toString(), "note", "  Van parked at the gate, 100% "
                + "sure  ");
        // the registry is read in the background: the camera is known within seconds
        String[] id = new String[1];
        await(() -> {
            io.restassured.response.Response r = given().auth().oauth2(olga).contentType("application/json").body(body)
                    .when().post("/api/bookmarks");
            if (r.statusCode() == 201) {
                id[0] = r.path("bookmarkId");
            }
            return id[0] != null;
        }, "the bookmark is made");
        given().auth().oauth2(olga).when().get("/api/bookmarks?camera=" + cam).then().statusCode(200)
                .body("note", equalTo(List.of("Van parked at the gate, 100% sure"))).body("createdBy",
                        equalTo(List.of("olga"))).body("at", equalTo(List.of(at.toString())));

        // found by words of its note, in any case; % is a character, not a wildcard
        String vera = TestTokens.token("vera", "viewer", site);
        given().auth().oauth2(vera).when().get("/api/bookmarks?q=VAN PARKED").then().statusCode(200)
                .body("bookmarkId", equalTo(List.of(id[0])));
        given().auth().oauth2(vera).queryParam("q", "100% sure").when().get("/api/bookmarks").then().statusCode(200)
                .body("bookmarkId", equalTo(List.of(id[0])));
        given().auth().oauth2(vera).queryParam("q", "1%%").when().get("/api/bookmarks").then().statusCode(200)
                .body("size()", equalTo(0));
        given().auth().oauth2(vera).when().get("/api/bookmarks?camera=" + cam + "&from=" + at.plusSeconds(1))
                .then().statusCode(200).body("size()", equalTo(0));
        // another site's users see nothing of it, and cannot bookmark the camera (as if it did not exist)
        String far = TestTokens.token("otto", "operator", "elsewhere");
        given().auth().oauth2(far).when().get("/api/bookmarks?q=van").then().statusCode(200).body("size()", equalTo(0));
        given().auth().oauth2(far).contentType("application/json").body(body).when().post("/api/bookmarks").then()
                .statusCode(404);
        // a viewer reads, and does not write
        given().auth().oauth2(vera).contentType("application/json").body(body).when().post("/api/bookmarks").then()
                .statusCode(403);
        // bad input: 400 naming the field, nothing stored
        for (Map<String, Object> bad : List.<Map<String, Object>>of(Map.of("camera", cam, "at", at.toString()),
                Map.of("camera", cam, "at", at.toString(), "note", "x".repeat(501)),
                Map.of("camera", cam, "at", at.toString(), "note", "bell\u0007"),
                Map.of("camera", cam, "note", "no time"),
                Map.of("camera", cam, "at", "yesterday", "note", "n"),
                Map.of("camera", cam, "at", T0.plusSeconds(3600).toString(), "note", "the future"),
                Map.of("camera", "bad id!", "at", at.toString(), "note", "n"))) {
            given().auth().oauth2(olga).contentType("application/json").body(bad).when().post("/api/bookmarks").then()
                    .statusCode(400).body("parameter", org.hamcrest.Matchers.oneOf("note", "at", "camera"));
        }
        assertThat(query("select count(*) from events.bookmarks where camera_id = '" + cam + "'")).isEqualTo(1);

        // removed by its author or an admin only
        String otto = TestTokens.token("otto", "operator", site);
        given().auth().oauth2(otto).when().delete("/api/bookmarks/" + id[0]).then().statusCode(403);
        given().auth().oauth2(olga).when().delete("/api/bookmarks/" + id[0]).then().statusCode(204);
        given().auth().oauth2(olga).when().delete("/api/bookmarks/" + id[0]).then().statusCode(404);
        given().auth().oauth2(olga).when().delete("/api/bookmarks/nope").then().statusCode(400);
        // both changes audited against the camera (so its exports carry them), with the note
        await(() -> query("select count(*) from events.audit_log where target = 'camera:" + cam + "' and action in "
                + "('bookmark.create', 'bookmark.delete') and details->>'note' = 'Van parked at the gate, 100% sure'")
                == 2, "the bookmark's creation and removal audited");
    }

    @Test
    void pagesFollowTheKeysetAndFiltersNarrowByCameraTypeAndTime() throws Exception {
        String site = "page-" + UUID.randomUUID().toString().substring(0, 6);
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String id = UUID.randomUUID().toString();
            ids.add(id);
            sendMotion(new MotionEvent(1, id, i % 2 == 0 ? "cam-even" : "cam-odd", site, MotionEvent.Phase.START,
                    T0.plusSeconds(i), T0.plusSeconds(i), 0.2, List.of(), null));
        }
        // a person seen during event 3
        TopicProbe.send(bootstrap, Topics.DETECTIONS, "cam-odd", Json.write(new Detections(1, "cam-odd", site,
                ids.get(3), T0.plusSeconds(3).plusMillis(500), "hog-people", List.of(new Detections.Detected("person",
                        0.9, new Box(0.1, 0.1, 0.2, 0.5))))));
        await(() -> query("select count(*) from events.motion_events where site = '" + site + "'") == 7, "stored");
        await(() -> query("select count(*) from events.motion_events where site = '" + site
                + "' and labels @> '{person}'") == 1, "labelled");

        String t = TestTokens.token("vera", "viewer", site);
        List<String> seen = new java.util.ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            io.restassured.response.Response r = given().auth().oauth2(t).queryParam("limit", 3)
                    .queryParam("site", site).queryParams(cursor == null ? java.util.Map.of() : java.util.Map.of(
                            "cursor", cursor)).when().get("/api/events");
            r.then().statusCode(200);
            seen.addAll(r.jsonPath().getList("items.eventId"));
            cursor = r.jsonPath().getString("next");
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(3);
        List<String> newestFirst = new java.util.ArrayList<>(ids);
        java.util.Collections.reverse(newestFirst);
        assertThat(seen).isEqualTo(newestFirst);

        given().auth().oauth2(t).when().get("/api/events?camera=cam-even&site=" + site).then().statusCode(200)
                .body("items.size()", equalTo(4)).body("items.cameraId", org.hamcrest.Matchers.everyItem(
                        equalTo("cam-even")));
        given().auth().oauth2(t).when().get("/api/events?type=person").then().statusCode(200)
                .body("items.eventId", equalTo(List.of(ids.get(3)))).body("items[0].labels", equalTo(List.of(
                        "person")));
        given().auth().oauth2(t).when().get("/api/events?from=" + T0.plusSeconds(2) + "&to=" + T0.plusSeconds(4))
                .then().statusCode(200).body("items.eventId", equalTo(List.of(ids.get(3), ids.get(2))));
        given().auth().oauth2(t).when().get("/api/events?type=Person!").then().statusCode(400)
                .body("parameter", equalTo("type"));
        given().auth().oauth2(t).when().get("/api/events?cursor=garbage").then().statusCode(400)
                .body("parameter", equalTo("cursor"));
        given().auth().oauth2(t).when().get("/api/events?from=" + T0 + "&to=" + T0).then().statusCode(400)
                .body("parameter", equalTo("to"));
    }

    /**
     * The service is two members of its group, not one per topic (design 0031): motion, and one for every other
     * topic. Each idle member is a poll loop and a heartbeat; seven of them were most of an idle stack's Kafka traffic.
     */
    @Test
    void theServiceReadsItsSevenTopicsAsTwoMembersOfItsGroup() throws Exception {
        java.util.Set<String> others = java.util.Set.of(Topics.DETECTIONS, Topics.SNAPSHOTS, Topics.CAMERA_STATUS,
                Topics.SEGMENTS, Topics.AUDIT, Topics.NODE_HEARTBEATS);
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                java.util.Map.of("bootstrap.servers", bootstrap))) {
            java.util.List<java.util.Set<String>> members = new java.util.ArrayList<>();
            Check twoMembers = () -> {
                members.clear();
                admin.describeConsumerGroups(List.of("vigil-events")).all().get().get("vigil-events").members()
                        .forEach(m -> members.add(m.assignment().topicPartitions().stream()
                                .map(org.apache.kafka.common.TopicPartition::topic)
                                .filter(t -> t.startsWith("vigil.")).collect(java.util.stream.Collectors.toSet())));
                return members.size() == 2 && members.contains(java.util.Set.of(Topics.MOTION))
                        && members.contains(others);
            };
            try {
                await(twoMembers, "two members: " + Topics.MOTION + ", and " + others);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; the members' topics: " + members, e);
            }
        }
    }

    @Test
    void malformedMessagesGoToTheDeadLetterTopicWithTheirReasonAndConsumptionGoesOn() throws Exception {
        TopicProbe.send(bootstrap, Topics.MOTION, "cam-bad", "{not json".getBytes());
        TopicProbe.send(bootstrap, Topics.MOTION, "cam-bad", ("{\"v\":1,\"eventId\":\"x\",\"cameraId\":\"c\","
                + "\"site\":\"hq\",\"phase\":\"start\",\"startedAt\":\"" + T0 + "\",\"at\":\"" + T0 + "\","
                + "\"score\":0.1,\"boxes\":[]}").getBytes());
        TopicProbe.send(bootstrap, Topics.SNAPSHOTS, "not-a-uuid", new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2});
        String after = UUID.randomUUID().toString();
        sendMotion(motion(after, "hq", MotionEvent.Phase.START, 0));
        await(() -> query("select count(*) from events.motion_events where event_id = '" + after + "'") == 1,
                "the next good message is stored");

        java.util.Set<String> reasons = deadLetterReasons(from -> true,
                seen -> seen.stream().anyMatch(x -> x.contains("eventId is not a UUID"))
                        && seen.stream().anyMatch(x -> x.startsWith(Topics.SNAPSHOTS))
                        && seen.stream().anyMatch(x -> x.contains("Unexpected character")));
        assertThat(reasons).anySatisfy(r -> assertThat(r).startsWith(Topics.MOTION + ": "))
                .anySatisfy(r -> assertThat(r).contains("eventId is not a UUID: x"))
                .anySatisfy(r -> assertThat(r).startsWith(Topics.SNAPSHOTS).contains("UUID"));
    }

    @Test
    void aSitesMirroredRecordsAreStoredAndOnesClaimingAnotherSiteOrAnUnknownCameraGoToDeadLetters()
            throws Exception {
        // what MirrorMaker 2 at central makes of site north's topics (design 0017)
        String motionTopic = "north." + Topics.MOTION;
        String auditTopic = "north." + Topics.AUDIT;
        mirroredTopics(motionTopic, auditTopic);
        // central's registry: cam-north at north, cam-south at south (cam-ghost is nowhere)
        for (String site : List.of("north", "south")) {
            TopicProbe.send(bootstrap, Topics.CAMERAS, "cam-" + site, Json.write(new org.vigil.contracts.CameraConfig(1,
                    "cam-" + site, "Gate", site, "rtsp://" + site + "/1", null, true, 0.5, List.of(), List.of(),
                    Instant.now(), "ada")));
        }
        String own = UUID.randomUUID().toString();
        String forged = UUID.randomUUID().toString();
        String ghost = UUID.randomUUID().toString();
        String borrowed = UUID.randomUUID().toString();
        TopicProbe.send(bootstrap, motionTopic, "cam-north", Json.write(motion(forged, "south",
                MotionEvent.Phase.START, 0)));
        TopicProbe.send(bootstrap, auditTopic, "x", Json.write(new AuditEntry(1, UUID.randomUUID().toString(),
                Instant.now(), "recorder-service", "north-recorder", "storage.change", "storage", null, "success",
                Map.of())));
        MotionEvent unknown = motion(ghost, "north", MotionEvent.Phase.START, 0);
        TopicProbe.send(bootstrap, motionTopic, "cam-ghost", Json.write(new MotionEvent(1, ghost, "cam-ghost", "north",
                unknown.phase(), unknown.startedAt(), unknown.at(), unknown.score(), unknown.boxes(), null)));
        TopicProbe.send(bootstrap, motionTopic, "cam-south", Json.write(new MotionEvent(1, borrowed, "cam-south",
                "north", unknown.phase(), unknown.startedAt(), unknown.at(), unknown.score(), unknown.boxes(), null)));
        TopicProbe.send(bootstrap, motionTopic, "cam-north", Json.write(motion(own, "north", MotionEvent.Phase.START,
                0)));

        // the new topics are found by the subscription's pattern (kafka.metadata.max.age.ms in tests: 1 s)
        await(() -> query("select count(*) from events.motion_events where event_id = '" + own + "'") == 1,
                "north's own event, mirrored, is stored", MIRRORED_TOPIC_FOUND);
        java.util.Set<String> reasons = deadLetterReasons(from -> from.startsWith("north.") && !from.contains("heart"),
                seen -> seen.size() >= 4);
        assertThat(reasons).contains(
                motionTopic + ": a record mirrored from site north claims site south: refused, a site speaks only "
                        + "for itself",
                auditTopic + ": a record mirrored from site north claims no site: refused, a site speaks only for "
                        + "itself",
                motionTopic + ": camera cam-ghost of site north is not in central's camera registry: add it at "
                        + "central, where the sites' cameras are set up",
                motionTopic + ": camera cam-south is registered for site south, not north: refused, a site speaks "
                        + "only for its own cameras");
        for (String id : List.of(forged, ghost, borrowed)) {
            assertThat(query("select count(*) from events.motion_events where event_id = '" + id + "'")).isZero();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void sitesAreConnectedWhileTheirHeartbeatsArriveAndShowTheirClockSkewAndStorage() throws Exception {
        String topic = "west." + Topics.NODE_HEARTBEATS;
        mirroredTopics(topic);
        String node = "recorder-service@west-" + UUID.randomUUID();
        // west's clock is 8 s behind central's: every heartbeat says so, however late it arrives
        Instant sent = Instant.now();
        for (int i = 0; i < 3; i++) {
            TopicProbe.send(bootstrap, topic, node, Json.write(new org.vigil.contracts.NodeHeartbeat(1, "west", node,
                    Instant.now().minusSeconds(8), 4_000_000_000L, 1_000_000_000L, 3)));
        }
        // a replay of an older one (queued during a cut) moves nothing back
        TopicProbe.send(bootstrap, topic, node, Json.write(new org.vigil.contracts.NodeHeartbeat(1, "west", node,
                Instant.now().minusSeconds(120), 9L, 9L, 9)));
        // one claiming another site, and one that is no site id, are refused
        TopicProbe.send(bootstrap, topic, node, Json.write(new org.vigil.contracts.NodeHeartbeat(1, "east", node,
                Instant.now(), 1, 1, 1)));
        TopicProbe.send(bootstrap, Topics.NODE_HEARTBEATS, node, Json.write(new org.vigil.contracts.NodeHeartbeat(1,
                "West Site", node, Instant.now(), 1, 1, 1)));

        String admin = TestTokens.token("ada", "admin", "*");
        java.util.function.Supplier<Map<String, Object>> west = () -> given().auth().oauth2(admin)
                .when().get("/api/sites/status?site=west").then().statusCode(200)
                .extract().jsonPath().getList("$", Map.class).stream().map(m -> (Map<String, Object>) m)
                .filter(m -> "west".equals(m.get("site"))).findFirst().orElse(null);
        await(() -> west.get() != null && "connected".equals(west.get().get("state")), "west is connected",
                MIRRORED_TOPIC_FOUND);
        Map<String, Object> seen = west.get();
        assertThat(seen.get("mirrored")).isEqualTo(true);
        // the skew plus the smallest time a heartbeat took to arrive (finding the new topic, under load: seconds)
        assertThat(((Number) seen.get("skewMs")).longValue()).isBetween(8_000L,
                8_000L + Duration.between(sent, Instant.now()).toMillis());
        assertThat(seen.get("skewed")).isEqualTo(true);
        assertThat(((Number) seen.get("storageTotalBytes")).longValue()).isEqualTo(4_000_000_000L);
        assertThat(((Number) seen.get("storageFreeBytes")).longValue()).isEqualTo(1_000_000_000L);
        assertThat(seen.get("camerasRecording")).isEqualTo(3);

        // no heartbeat for longer than the contact timeout (3 s in tests): disconnected since the last one arrived
        await(() -> "disconnected".equals(west.get().get("state")), "west is disconnected");
        Instant lastContact = Instant.parse((String) west.get().get("lastContact"));
        assertThat(lastContact).isBefore(Instant.now().minusSeconds(3));

        java.util.Set<String> reasons = deadLetterReasons(from -> from.endsWith(Topics.NODE_HEARTBEATS),
                got -> got.stream().anyMatch(r -> r.contains("West Site")) && got.stream().anyMatch(r ->
                        r.contains("claims site east")));
        assertThat(reasons).contains(topic + ": a record mirrored from site west claims site east: refused, a site "
                + "speaks only for itself", Topics.NODE_HEARTBEATS + ": site 'West Site' is not a site id (lower-case "
                        + "letters, digits and '-')");

        // a viewer of another site does not learn of west
        given().auth().oauth2(TestTokens.token("vic", "viewer", "hq")).when().get("/api/sites/status").then()
                .statusCode(200).body("site", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItem("west")));
        given().auth().oauth2(TestTokens.token("vic", "viewer", "hq")).when().get("/api/sites/status?site=west")
                .then().statusCode(403);
    }

    @Test
    void aConnectedSiteWithoutALiveCaptureInstanceShowsItsCamerasAsHavingNoCaptureNode() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 6);
        String site = "nc-" + run;
        String cam = "cam-nc-" + run;
        String off = "cam-nc-off-" + run;
        String recorder = "recorder-service@" + site;
        String capture = "capture-service@" + site + "-1";
        TopicProbe.send(bootstrap, Topics.CAMERAS, cam, Json.write(new org.vigil.contracts.CameraConfig(1, cam, "Gate",
                site, "rtsp://gate/1", null, true, 0.5, List.of(), List.of(), Instant.now(), "ada")));
        TopicProbe.send(bootstrap, Topics.CAMERAS, off, Json.write(new org.vigil.contracts.CameraConfig(1, off,
                "Yard", site, "rtsp://yard/1", null, true, 0.5, List.of(), List.of(), Instant.now(), "ada", false,
                null, null, 0.0, null, null)));
        // the site is in contact (its recorder's heartbeats arrive) throughout; its capture instance comes and goes
        java.util.concurrent.atomic.AtomicBoolean captureAlive = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.ScheduledExecutorService beats = java.util.concurrent.Executors
                .newSingleThreadScheduledExecutor();
        beats.scheduleAtFixedRate(() -> {
            try {
                TopicProbe.send(bootstrap, Topics.NODE_HEARTBEATS, recorder, Json.write(
                        new org.vigil.contracts.NodeHeartbeat(1, site, recorder, Instant.now(), 100, 50, 1)));
                if (captureAlive.get()) {
                    TopicProbe.send(bootstrap, Topics.NODE_HEARTBEATS, capture, Json.write(
                            new org.vigil.contracts.NodeHeartbeat(1, site, capture, Instant.now(), 0, 0, 1,
                                    org.vigil.contracts.NodeHeartbeat.CAPTURE)));
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, 0, 500, java.util.concurrent.TimeUnit.MILLISECONDS);
        List<LiveUpdate> pushed = new CopyOnWriteArrayList<>();
        var live = redis.pubsub(String.class).subscribe(LiveUpdate.channel(site),
                json -> pushed.addAll(List.of(Json.read(json.getBytes(), LiveUpdate[].class))));
        String viewer = TestTokens.token("vera", "viewer", site);
        java.util.function.Function<String, String> stateOf = id -> given().auth().oauth2(viewer).when()
                .get("/api/cameras/status").then().statusCode(200).extract().jsonPath()
                .getString("find { it.cameraId == '" + id + "' }.state");
        try {
            // no capture instance of the site has ever been heard from: no one captures its cameras, and it says so
            await(() -> "no_capture_node".equals(stateOf.apply(cam)), "no capture node, at first");
            given().auth().oauth2(viewer).when().get("/api/cameras/status").then().statusCode(200)
                    .body("find { it.cameraId == '" + cam + "' }.lastError", org.hamcrest.Matchers.containsString(
                            "no capture instance of site " + site));
            assertThat(stateOf.apply(off)).as("a disabled camera is not captured anyway").isNull();

            // a capture instance of the site appears and reports the camera: online, and the site lists it
            captureAlive.set(true);
            await(() -> !given().auth().oauth2(viewer).when().get("/api/sites/status?site=" + site).then()
                    .extract().jsonPath().getList("find { it.site == '" + site + "' }.captureNodes").isEmpty(),
                    "the capture node is listed");
            TopicProbe.send(bootstrap, Topics.CAMERA_STATUS, cam, Json.write(new CameraStatus(1, cam, site,
                    CameraStatus.State.ONLINE, 5, 320, 180, "h264", null, capture, Instant.now())));
            await(() -> "online".equals(stateOf.apply(cam)), "online once captured");
            given().auth().oauth2(viewer).when().get("/api/sites/status?site=" + site).then().statusCode(200)
                    .body("find { it.site == '" + site + "' }.captureNodes", equalTo(List.of(capture)))
                    .body("find { it.site == '" + site + "' }.state", equalTo("connected"));

            // the site's last capture instance dies: past the contact timeout (3 s in tests), no capture node again
            captureAlive.set(false);
            await(() -> "no_capture_node".equals(stateOf.apply(cam)), "no capture node once it is gone");
            given().auth().oauth2(viewer).when().get("/api/cameras/" + cam + "/status").then().statusCode(200)
                    .body("state", equalTo(List.of("no_capture_node", "online", "no_capture_node")));
            // and the live view was told each time
            await(() -> pushed.stream().filter(u -> u.status() != null && u.status().cameraId().equals(cam)
                    && u.status().state() == CameraStatus.State.NO_CAPTURE_NODE).count() >= 2, "pushed live");
        } finally {
            live.unsubscribe();
            beats.shutdownNow();
            TopicProbe.send(bootstrap, Topics.CAMERAS, cam, null);
            TopicProbe.send(bootstrap, Topics.CAMERAS, off, null);
        }
    }

    /** Creates what MirrorMaker 2 at central makes of a site's topics (one partition here), unless it exists. */
    private void mirroredTopics(String... names) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                java.util.Map.of("bootstrap.servers", bootstrap))) {
            java.util.Set<String> existing = admin.listTopics().names().get();
            admin.createTopics(java.util.Arrays.stream(names).filter(n -> !existing.contains(n))
                    .map(n -> new org.apache.kafka.clients.admin.NewTopic(n, 1, (short) 1)).toList()).all().get();
        }
    }

    @Test
    void auditEntriesOfSeveralSitesJoinOneChainWhateverTheirTopicsOffsets() throws Exception {
        // north's mirrored audit topic and central's own both start near offset 0: their offsets repeat in one batch
        String northTopic = "north." + Topics.AUDIT;
        mirroredTopics(northTopic);
        String target = "sites-" + UUID.randomUUID();
        List<org.apache.kafka.clients.producer.ProducerRecord<String, byte[]>> batch = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            for (String site : List.of("north", "hq")) {
                AuditEntry e = new AuditEntry(1, UUID.randomUUID().toString(), Instant.now(), "recorder-service",
                        site + "-admin", "storage.change", target, site, "success", Map.of("n", Integer.toString(i)));
                batch.add(new org.apache.kafka.clients.producer.ProducerRecord<>(
                        site.equals("north") ? northTopic : Topics.AUDIT, e.id(), Json.write(e)));
            }
        }
        TopicProbe.sendAll(bootstrap, batch);
        await(() -> query("select count(*) from events.audit_log where target = '" + target + "'") == 10,
                "all ten entries, five of each site", MIRRORED_TOPIC_FOUND);
        // each has a number of its own, and links to the entry numbered before it
        assertThat(query("select count(distinct seq) from events.audit_log where target = '" + target + "'"))
                .isEqualTo(10);
        try (Connection c = DriverManager.getConnection(jdbcUrl, EmbeddedPostgresServer.SUPERUSER, "");
                ResultSet rs = c.createStatement().executeQuery("select a.seq, a.site, b.seq is not null or a.seq = 1, "
                        + "coalesce(a.prev_hash = b.hash, a.prev_hash = '" + org.vigil.evidence.AuditChain.GENESIS
                        + "') from events.audit_log a left join events.audit_log b on b.seq = a.seq - 1 "
                        + "where a.target = '" + target + "' order by a.seq")) {
            List<String> links = new java.util.ArrayList<>();
            while (rs.next()) {
                links.add(rs.getLong(1) + " " + rs.getString(2) + " before=" + rs.getBoolean(3) + " linked="
                        + rs.getBoolean(4));
            }
            assertThat(links).allMatch(l -> l.endsWith("before=true linked=true"));
        }
        // and each site's entries keep their order
        for (String site : List.of("north", "hq")) {
            try (Connection c = DriverManager.getConnection(jdbcUrl, EmbeddedPostgresServer.SUPERUSER, "");
                    ResultSet rs = c.createStatement().executeQuery("select details->>'n' from events.audit_log "
                            + "where target = '" + target + "' and site = '" + site + "' order by seq")) {
                List<String> order = new java.util.ArrayList<>();
                while (rs.next()) {
                    order.add(rs.getString(1));
                }
                assertThat(order).as(site).containsExactly("0", "1", "2", "3", "4");
            }
        }
    }

    @Test
    void auditEntriesFormAHashChainAndAReplayAddsNothing() throws Exception {
        String target = "audit-" + UUID.randomUUID();
        List<AuditEntry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            entries.add(new AuditEntry(1, UUID.randomUUID().toString(), Instant.now(), "gateway", "ada",
                    "camera.recording.set", target, "hq", "success", java.util.Map.of("recording", "false", "n",
                            Integer.toString(i))));
        }
        // a resend in the same poll batch as its original (a relay that resent after a lost ack, caught up at once)
        List<org.apache.kafka.clients.producer.ProducerRecord<String, byte[]>> batch = new java.util.ArrayList<>();
        for (AuditEntry e : List.of(entries.get(0), entries.get(1), entries.get(1), entries.get(2))) {
            batch.add(new org.apache.kafka.clients.producer.ProducerRecord<>(Topics.AUDIT, e.id(), Json.write(e)));
        }
        TopicProbe.sendAll(bootstrap, batch);
        // and one in a later batch (a replay)
        TopicProbe.send(bootstrap, Topics.AUDIT, entries.get(1).id(), Json.write(entries.get(1)));
        String marker = UUID.randomUUID().toString();
        TopicProbe.send(bootstrap, Topics.AUDIT, marker, Json.write(new AuditEntry(1, marker, Instant.now(), "test",
                "t", "test.marker", marker, null, "success", null)));
        await(() -> query("select count(*) from events.audit_log where target = '" + marker + "'") == 1, "marker");
        assertThat(query("select count(*) from events.audit_log where target = '" + target + "'")).isEqualTo(3);

        // the whole chain verifies from the stored rows, in order
        try (Connection c = DriverManager.getConnection(jdbcUrl, EmbeddedPostgresServer.SUPERUSER, "");
                ResultSet rs = c.createStatement().executeQuery("select id, at, service, actor, action, target, site, "
                        + "outcome, details::text, prev_hash, hash from events.audit_log order by seq")) {
            String prev = org.vigil.events.repository.IngestWriter.GENESIS;
            int rows = 0;
            while (rs.next()) {
                @SuppressWarnings("unchecked")
                java.util.Map<String, String> details = Json.mapper().readValue(rs.getString(9), java.util.Map.class);
                AuditEntry e = new AuditEntry(1, rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), details);
                assertThat(rs.getString(10)).as("row %d links to the one before", rows).isEqualTo(prev);
                prev = org.vigil.evidence.AuditChain.chain(prev, e);
                assertThat(rs.getString(11)).as("row %d hash", rows).isEqualTo(prev);
                rows++;
            }
            assertThat(rows).isGreaterThanOrEqualTo(4);
        }

        // the admin check agrees, and finds a row edited in PostgreSQL behind the service's back
        given().auth().oauth2(TestTokens.token("vic", "viewer", "*")).when().get("/api/audit/verify").then()
                .statusCode(403);
        String admin = TestTokens.token("ada", "admin", "*");
        given().auth().oauth2(admin).when().get("/api/audit/verify").then().statusCode(200)
                .body("ok", org.hamcrest.Matchers.equalTo(true));
        long seq = query("select seq from events.audit_log where target = '" + target + "' order by seq limit 1");
        try (Connection c = DriverManager.getConnection(jdbcUrl, EmbeddedPostgresServer.SUPERUSER, "")) {
            // the table refuses changes...
            assertThatThrownBy(() -> c.createStatement().executeUpdate("update events.audit_log set actor = 'mallory' "
                    + "where seq = " + seq)).hasMessageContaining("append-only");
            assertThatThrownBy(() -> c.createStatement().executeUpdate("delete from events.audit_log where seq = " + seq))
                    .hasMessageContaining("append-only");
            // ...and someone who owns it and switches that off is still found by the chain
            c.createStatement().execute("alter table events.audit_log disable trigger user");
            c.createStatement().executeUpdate("update events.audit_log set actor = 'mallory' where seq = " + seq);
            given().auth().oauth2(admin).when().get("/api/audit/verify").then().statusCode(200)
                    .body("ok", org.hamcrest.Matchers.equalTo(false))
                    .body("problems[0]", org.hamcrest.Matchers.containsString("(seq " + seq + "): its hash does not "
                            + "match its content"));
            c.createStatement().executeUpdate("update events.audit_log set actor = 'ada' where seq = " + seq);
            c.createStatement().executeUpdate("delete from events.audit_log where seq = " + (seq + 1));
            given().auth().oauth2(admin).when().get("/api/audit/verify").then().statusCode(200)
                    .body("ok", org.hamcrest.Matchers.equalTo(false))
                    .body("problems[0]", org.hamcrest.Matchers.containsString("the chain is broken here"));
            c.createStatement().execute("alter table events.audit_log enable trigger user");
        }
    }

    @Test
    void factsForADayWithoutAPartitionCreateTheDayAndAreStored() throws Exception {
        // a camera whose clock is a year behind (or a replay of year-old messages): no partition exists for that day,
        // and the pruned tables have no default partition to catch the rows
        Instant old = T0.minus(Duration.ofDays(400));
        String day = java.time.format.DateTimeFormatter.BASIC_ISO_DATE.format(old.atOffset(ZoneOffset.UTC).toLocalDate());
        for (String t : List.of("motion_events", "camera_status", "detections")) {
            assertThat(query("select count(*) from pg_inherits i join pg_class c on c.oid = i.inhrelid where "
                    + "i.inhparent = 'events." + t + "'::regclass and c.relname = '" + t + "_default'"))
                    .as(t + " has no default partition").isZero();
            assertThat(query("select count(*) from pg_class where relname = '" + t + "_" + day + "'")).isZero();
        }
        String cam = "cam-old-" + UUID.randomUUID().toString().substring(0, 6);
        String id = UUID.randomUUID().toString();
        sendMotion(new MotionEvent(1, id, cam, "hq", MotionEvent.Phase.END, old, old.plusSeconds(5), 0.4, List.of(),
                null));
        TopicProbe.send(bootstrap, Topics.CAMERA_STATUS, cam, Json.write(new CameraStatus(1, cam, "hq",
                CameraStatus.State.ONLINE, 15, 640, 360, "h264", null, "capture-1", old)));
        TopicProbe.send(bootstrap, Topics.DETECTIONS, cam, Json.write(new Detections(1, cam, "hq", id,
                old.plusSeconds(1), "test", List.of(new Detections.Detected("person", 0.9, new Box(0.1, 0.1, 0.2,
                        0.2))))));
        await(() -> query("select count(*) from events.motion_events where event_id = '" + id + "'") == 1
                && query("select count(*) from events.camera_status where camera_id = '" + cam + "'") == 1
                && query("select count(*) from events.detections where camera_id = '" + cam + "'") == 1,
                "the year-old event, status and detection are stored");
        for (String t : List.of("motion_events", "camera_status", "detections")) {
            assertThat(query("select count(*) from events." + t + "_" + day + " where " + (t.equals("motion_events")
                    ? "event_id = '" + id + "'" : "camera_id = '" + cam + "'"))).as("in " + t + "'s new day")
                    .isEqualTo(1);
        }
    }

    @Test
    void statusHeartbeatsKeepTheLatestAndOnlyChangesMakeHistoryAndADeletedCameraHasNoState() throws Exception {
        String cam = "cam-st-" + UUID.randomUUID().toString().substring(0, 6);
        String site = "st-" + UUID.randomUUID().toString().substring(0, 6); // a site of its own: nobody's coverage
        TopicProbe.send(bootstrap, Topics.CAMERAS, cam, Json.write(new org.vigil.contracts.CameraConfig(
                org.vigil.contracts.CameraConfig.VERSION, cam, "Status", site, "test:", null, true, 0.5, null, null,
                Instant.now(), "test")));
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(60);
        String[] states = {"online", "online", "online", "offline", "offline", "online"};
        for (int i = 0; i < states.length; i++) {
            CameraStatus st = new CameraStatus(1, cam, site, CameraStatus.State.fromWire(states[i]), 15, 640, 360,
                    "h264", null, "capture-1", t0.plusSeconds(10L * i));
            TopicProbe.send(bootstrap, Topics.CAMERA_STATUS, cam, Json.write(st));
        }
        await(() -> query("select count(*) from events.camera_status_latest where camera_id = '" + cam
                + "' and at = '" + t0.plusSeconds(50) + "'") == 1, "latest");
        assertThat(query("select count(*) from events.camera_status where camera_id = '" + cam + "'")).isEqualTo(3);

        String t = TestTokens.token("vera", "viewer", site);
        given().auth().oauth2(t).when().get("/api/cameras/" + cam + "/status").then().statusCode(200)
                .body("state", equalTo(List.of("online", "offline", "online")));
        await(() -> given().auth().oauth2(t).when().get("/api/cameras/status").then().statusCode(200).extract()
                .jsonPath().getList("findAll { it.cameraId == '" + cam + "' }.state").equals(List.of("online")),
                "the latest state, once the registry holds the camera");
        given().auth().oauth2(TestTokens.token("otto", "viewer", "branch")).when().get("/api/cameras/" + cam
                + "/status").then().statusCode(200).body("size()", equalTo(0));
        given().auth().oauth2(t).when().get("/api/live/snapshot").then().statusCode(200)
                .body("statuses.cameraId", hasItem(cam)).body("events.site", org.hamcrest.Matchers.everyItem(
                        equalTo(site)));

        // the camera deleted: no state any more, here or in a live view's start; its history stays
        TopicProbe.send(bootstrap, Topics.CAMERAS, cam, null);
        await(() -> given().auth().oauth2(t).when().get("/api/cameras/status").then().statusCode(200).extract()
                .jsonPath().getList("findAll { it.cameraId == '" + cam + "' }").isEmpty(), "no state once deleted");
        given().auth().oauth2(t).when().get("/api/live/snapshot").then().statusCode(200)
                .body("statuses.cameraId", org.hamcrest.Matchers.not(hasItem(cam)));
        given().auth().oauth2(t).when().get("/api/cameras/" + cam + "/status").then().statusCode(200)
                .body("state", equalTo(List.of("online", "offline", "online")));
    }

    @Test
    void withRedisDownTheApiAndStorageGoOnAndFanOutResumesWhenItReturns() throws Exception {
        var server = org.vigil.devstack.testing.SharedServers.redis();
        server.close();
        try {
            String during = UUID.randomUUID().toString();
            sendMotion(motion(during, "hq", MotionEvent.Phase.START, 0));
            await(() -> query("select count(*) from events.motion_events where event_id = '" + during + "'") == 1,
                    "stored while Redis is down");
            given().auth().oauth2(TestTokens.token("vera", "viewer", "hq")).when().get("/api/events/" + during)
                    .then().statusCode(200);
        } finally {
            server.start();
        }
        List<LiveUpdate> received = new CopyOnWriteArrayList<>();
        var sub = redis.pubsub(String.class).subscribe(LiveUpdate.channel("hq"),
                json -> received.addAll(List.of(Json.read(json.getBytes(), LiveUpdate[].class))));
        try {
            // fan-out skips Redis for a moment after a failure; events keep flowing and reach it again
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            boolean back = false;
            while (!back && System.nanoTime() < deadline) {
                String id = UUID.randomUUID().toString();
                sendMotion(motion(id, "hq", MotionEvent.Phase.START, 0));
                long until = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                while (!back && System.nanoTime() < until) {
                    back = received.stream().anyMatch(u -> u.motion() != null && u.motion().eventId().equals(id));
                    Thread.sleep(50);
                }
            }
            assertThat(back).as("fan-out resumed by itself").isTrue();
        } finally {
            sub.unsubscribe();
        }
    }

    @Test
    void withPostgresDownConsumptionWaitsAndNothingIsLost() throws Exception {
        var pg = org.vigil.devstack.testing.SharedServers.postgres();
        List<String> ids = new java.util.ArrayList<>();
        pg.close();
        try {
            for (int i = 0; i < 20; i++) {
                String id = UUID.randomUUID().toString();
                ids.add(id);
                sendMotion(motion(id, "hq", MotionEvent.Phase.START, 0));
            }
            given().auth().oauth2(TestTokens.token("vera", "viewer", "hq")).when().get("/api/events?site=hq")
                    .then().statusCode(org.hamcrest.Matchers.greaterThanOrEqualTo(500));
        } finally {
            pg.start();
        }
        await(() -> query("select count(*) from events.motion_events where event_id in ('" + String.join("','", ids)
                + "')") == 20, "all 20 stored after PostgreSQL returned");
    }

    private long query(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, EmbeddedPostgresServer.SUPERUSER, "");
                ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    /**
     * Reads the dead-letter topic until {@code enough} holds over what it gathered: "{@code <topic>: <reason>}" of each
     * dead letter whose source topic passes {@code fromTopic}.
     */
    private java.util.Set<String> deadLetterReasons(java.util.function.Predicate<String> fromTopic,
            java.util.function.Predicate<java.util.Set<String>> enough) {
        java.util.Set<String> reasons = java.util.concurrent.ConcurrentHashMap.newKeySet();
        TopicProbe.await(bootstrap, Topics.DEAD_LETTERS, Duration.ofSeconds(30), r -> {
            org.apache.kafka.common.header.Header h = r.headers().lastHeader(Topics.DLQ_REASON);
            org.apache.kafka.common.header.Header from = r.headers().lastHeader(Topics.DLQ_TOPIC);
            if (h != null && from != null && fromTopic.test(new String(from.value()))) {
                reasons.add(new String(from.value()) + ": " + new String(h.value()));
            }
            return enough.test(reasons) ? true : null;
        });
        return reasons;
    }

    /**
     * How long a topic mirrored from a site may take to be read: the channel's pattern finds it within the metadata
     * age (1 s in tests), then the group of two channels rebalances, and each member learns of that at its next
     * heartbeat (every 10 s, design 0021); two new topics can mean two rebalances, and a loaded CI machine stretches
     * each: 30 s was too little in a full suite run on this 2-core machine.
     */
    private static final Duration MIRRORED_TOPIC_FOUND = Duration.ofSeconds(60);

    private static void await(Check check, String what) throws Exception {
        await(check, what, Duration.ofSeconds(30));
    }

    private static void await(Check check, String what, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.ok()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for: " + what);
    }
}
