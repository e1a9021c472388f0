package org.vigil.events;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.Box;
import org.vigil.contracts.Json;
import org.vigil.contracts.LiveUpdate;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.SegmentClosed;
import org.vigil.contracts.Topics;
import org.vigil.devstack.testing.KafkaTestResource;
import org.vigil.devstack.testing.PostgresTestResource;
import org.vigil.devstack.testing.RedisTestResource;
import org.vigil.devstack.testing.TestTokens;
import org.vigil.devstack.testing.TokenIssuerTestResource;
import org.vigil.devstack.testing.TopicProbe;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

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
    void aRedeliveredMotionEventIsStoredOnceAndFannedOutToItsSite() throws Exception {
        List<LiveUpdate> received = new CopyOnWriteArrayList<>();
        var sub = redis.pubsub(String.class).subscribe(LiveUpdate.channel("hq"),
                json -> received.add(Json.read(json.getBytes(), LiveUpdate.class)));
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
                .body("eventId", hasItem(hq)).body("eventId", not(hasItem(branch)));
        given().auth().oauth2(hqViewer).when().get("/api/events/" + hq).then().statusCode(200)
                .body("site", equalTo("hq"));
        given().auth().oauth2(hqViewer).when().get("/api/events/" + branch).then().statusCode(404);
        given().auth().oauth2(hqViewer).when().get("/api/events?site=branch").then().statusCode(403);
        given().auth().oauth2(TestTokens.token("ada", "admin", "*")).when().get("/api/events?limit=500")
                .then().statusCode(200).body("eventId", hasItem(branch));
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

    private long query(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "vigil", "");
                ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void await(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (check.ok()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for: " + what);
    }
}
