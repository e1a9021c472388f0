package org.vigil.events;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.Json;
import org.vigil.contracts.Topics;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.testing.KafkaTestResource;
import org.vigil.devstack.testing.PostgresTestResource;
import org.vigil.devstack.testing.RedisTestResource;
import org.vigil.devstack.testing.ServiceSchemas;
import org.vigil.devstack.testing.TestTokens;
import org.vigil.devstack.testing.TokenIssuerTestResource;
import org.vigil.devstack.testing.TopicProbe;

/**
 * Event-service's own retention of the event store, against real PostgreSQL (with retention-service's schema, whose
 * holds it reads through the versioned view) and Kafka: whole days go, held rows stay, inserts never wait for a
 * detach, a day a crash left detached is finished, nothing is deleted when the holds cannot be read, and only an
 * admin of every site may run it. The test profile keeps events and ai_data 30 days (RETENTION_DAYS).
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(TokenIssuerTestResource.class)
class EventRetentionTest {

    static final String ADA = TestTokens.token("ada", "admin", "*");
    static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @BeforeEach
    void holdsSchema() {
        ServiceSchemas.retention(jdbcUrl); // the holds' owner: its migration grants the view to this service
    }

    private Connection db() throws Exception {
        return DriverManager.getConnection(jdbcUrl, EmbeddedPostgresServer.SUPERUSER, "");
    }

    private static String cam() {
        return "ret-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A legal hold as retention-service stores it: on {@code camera}, over [from, to]. */
    private UUID hold(String camera, Instant from, Instant to) throws Exception {
        UUID id = UUID.randomUUID();
        try (Connection c = db(); PreparedStatement p = c.prepareStatement("insert into retention.holds (id, kind, "
                + "cameras, sites, from_ts, to_ts, case_id, reason, placed_by) values (?, 'range', ?, '{hq}', ?, ?, "
                + "'CASE', 'test', 'olga')")) {
            p.setObject(1, id);
            p.setArray(2, c.createArrayOf("text", new String[] {camera}));
            p.setObject(3, OffsetDateTime.ofInstant(from, ZoneOffset.UTC));
            p.setObject(4, OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
            p.executeUpdate();
        }
        return id;
    }

    private void release(UUID hold) throws Exception {
        try (Connection c = db()) {
            c.createStatement().executeUpdate("update retention.holds set released_at = now(), released_by = 'ada' "
                    + "where id = '" + hold + "'");
        }
    }

    private static io.restassured.path.json.JsonPath run() {
        return given().auth().oauth2(ADA).when().post("/api/events/retention/run").then().statusCode(200)
                .extract().jsonPath();
    }

    @Test
    void eventsAndAiDataGoByWholeDaysButHeldEventsStay() throws Exception {
        String camera = cam();
        Instant day = Instant.now().minus(Duration.ofDays(40)).truncatedTo(ChronoUnit.DAYS);
        String partition = "motion_events_" + DAY.format(day);
        UUID held = UUID.randomUUID();
        UUID free = UUID.randomUUID();
        UUID recent = UUID.randomUUID();
        Instant heldAt = day.plus(Duration.ofHours(3));
        try (Connection c = db()) {
            for (String t : List.of("motion_events", "camera_status", "detections")) {
                c.createStatement().execute("select events.ensure_partitions('" + t + "', 45, 0)");
            }
            try (PreparedStatement p = c.prepareStatement("insert into events.motion_events (event_id, camera_id, "
                    + "site, started_at, last_at, ended_at, score) values (?, ?, 'hq', ?, ?, ?, 0.5)")) {
                for (Object[] e : new Object[][] {{held, heldAt}, {free, day.plus(Duration.ofHours(9))},
                        {recent, Instant.now().minus(Duration.ofDays(2))}}) {
                    Instant at = (Instant) e[1];
                    p.setObject(1, e[0]);
                    p.setString(2, camera);
                    p.setObject(3, OffsetDateTime.ofInstant(at, ZoneOffset.UTC));
                    p.setObject(4, OffsetDateTime.ofInstant(at.plusSeconds(20), ZoneOffset.UTC));
                    p.setObject(5, OffsetDateTime.ofInstant(at.plusSeconds(30), ZoneOffset.UTC));
                    p.executeUpdate();
                }
            }
            try (PreparedStatement p = c.prepareStatement(
                    "insert into events.snapshots (event_id, jpeg, stored_at) values (?, '\\xff'::bytea, ?)")) {
                for (UUID id : List.of(held, free)) {
                    p.setObject(1, id);
                    p.setObject(2, OffsetDateTime.ofInstant(day.plus(Duration.ofHours(10)), ZoneOffset.UTC));
                    p.executeUpdate();
                }
            }
            // reviewed: by olga, and the free one for the team too; marks go with their event
            try (PreparedStatement p = c.prepareStatement("insert into events.event_reviews (event_id, reviewer, "
                    + "started_at, reviewed_at) values (?, 'olga', ?, now())")) {
                for (UUID id : List.of(held, free)) {
                    p.setObject(1, id);
                    p.setObject(2, OffsetDateTime.ofInstant(day, ZoneOffset.UTC));
                    p.executeUpdate();
                }
            }
            c.createStatement().execute("insert into events.event_team_reviews (event_id, started_at, reviewed_by, "
                    + "reviewed_at) values ('" + free + "', '" + OffsetDateTime.ofInstant(day, ZoneOffset.UTC)
                    + "', 'otto', now())");
            // bookmarks: one inside the held span (its note stays with the held footage), one of the free hours
            try (PreparedStatement p = c.prepareStatement("insert into events.bookmarks (bookmark_id, camera_id, site, "
                    + "at, note, created_by, created_at) values (?, ?, 'hq', ?, 'note', 'olga', now())")) {
                for (Object[] b : new Object[][] {{held, heldAt.plusSeconds(5)}, {free, day.plus(Duration.ofHours(9))}}) {
                    p.setObject(1, b[0]);
                    p.setString(2, camera);
                    p.setObject(3, OffsetDateTime.ofInstant((Instant) b[1], ZoneOffset.UTC));
                    p.executeUpdate();
                }
            }
            try (PreparedStatement p = c.prepareStatement("insert into events.detections (camera_id, at, site, "
                    + "detector, objects) values (?, ?, 'hq', 'test', '[]')")) {
                for (Instant at : List.of(heldAt.plusSeconds(10), day.plus(Duration.ofHours(12)))) {
                    p.setString(1, camera);
                    p.setObject(2, OffsetDateTime.ofInstant(at, ZoneOffset.UTC));
                    p.executeUpdate();
                }
            }
        }
        // a hold over the held event's span (retention-service places an event hold the same way)
        UUID hold = hold(camera, heldAt, heldAt.plusSeconds(30));
        given().auth().oauth2(ADA).when().get("/api/events/retention/dry-run").then().statusCode(200)
                .body("dryRun", equalTo(true)).body("events.motion_events.keptHeld", greaterThanOrEqualTo(1));
        assertThat(partitionRows(partition)).as("a dry run deletes nothing").isEqualTo(2);

        var report = run();
        assertThat(report.getInt("events.motion_events.daysDropped")).isGreaterThanOrEqualTo(1);
        assertThat(report.getInt("events.motion_events.keptHeld")).isGreaterThanOrEqualTo(1);
        assertThat(partitionRows(partition)).as("the day stays, holding only the held event").isEqualTo(1);
        assertThat(ids(camera)).as("the held event stays; the recent one too").containsExactlyInAnyOrder(held, recent);
        assertThat(snapshots(held, free)).containsExactly(held);
        assertThat(reviewed("event_reviews", held, free)).as("the held event's review mark stays").containsExactly(held);
        assertThat(reviewed("event_team_reviews", held, free)).isEmpty();
        assertThat(bookmarks(held, free)).as("the bookmark a hold covers stays").containsExactly(held);
        assertThat(eventRows("detections", camera)).as("the detection during the held event stays").isEqualTo(1);
        AuditEntry audited = TopicProbe.await(bootstrap, Topics.AUDIT, Duration.ofSeconds(30), r -> {
            AuditEntry x = Json.read(r.value(), AuditEntry.class);
            return x.action().equals("retention.events.run") && "ada".equals(x.actor())
                    && "0".equals(x.details().get("errors")) ? x : null;
        });
        assertThat(audited.service()).isEqualTo("event-service");
        assertThat(audited.details()).containsEntry("trigger", "manual").containsKey("motion_events");
        given().auth().oauth2(ADA).when().get("/api/events/retention/last-run").then().statusCode(200)
                .body("trigger", equalTo("manual"));

        // released: the next run drops the day as a whole, and the snapshot goes with its event
        release(hold);
        run();
        assertThat(partitionRows(partition)).as("the day was dropped").isEqualTo(-1);
        assertThat(ids(camera)).containsExactly(recent);
        assertThat(snapshots(held, free)).isEmpty();
        assertThat(reviewed("event_reviews", held, free)).isEmpty();
        assertThat(bookmarks(held, free)).isEmpty();
        assertThat(eventRows("detections", camera)).isZero();
    }

    @Test
    void nothingIsDeletedWhileTheHoldsCannotBeRead() throws Exception {
        String camera = cam();
        Instant day = Instant.now().minus(Duration.ofDays(41)).truncatedTo(ChronoUnit.DAYS);
        String partition = "detections_" + DAY.format(day);
        try (Connection c = db()) {
            c.createStatement().execute("select events.ensure_partitions('detections', 45, 0)");
            c.createStatement().executeUpdate("insert into events.detections (camera_id, at, site, detector, objects)"
                    + " values ('" + camera + "', '" + day.plus(Duration.ofHours(1)) + "', 'hq', 't', '[]')");
            // retention-service's grant is gone (or its migration never ran): holds are unknown
            c.createStatement().execute("revoke select on retention.v1_active_holds from vigil_events");
        }
        try {
            var report = run();
            assertThat(report.getList("errors", String.class)).anyMatch(e -> e.contains("legal holds cannot be read")
                    && e.contains("retention.v1_active_holds"));
            assertThat(partitionRows(partition)).as("not a row deleted without knowing the holds").isEqualTo(1);
        } finally {
            try (Connection c = db()) {
                c.createStatement().execute("grant select on retention.v1_active_holds to vigil_events");
            }
        }
        run();
        assertThat(partitionRows(partition)).as("granted again: the day goes").isEqualTo(-1);
    }

    @Test
    void onlyAnAdminOfEverySiteMayRunOrPreviewIt() {
        for (String token : List.of(TestTokens.token("hqadmin", "admin", "hq"),
                TestTokens.token("olga", "operator", "*"), TestTokens.token("vera", "viewer", "*"))) {
            given().auth().oauth2(token).when().post("/api/events/retention/run").then().statusCode(403);
            given().auth().oauth2(token).when().get("/api/events/retention/dry-run").then().statusCode(403);
            given().auth().oauth2(token).when().get("/api/events/retention/last-run").then().statusCode(403);
        }
        given().when().post("/api/events/retention/run").then().statusCode(401);
    }

    @Test
    void insertsNeverWaitForADetachAndADayAReaderHoldsIsLeftForTheNextRun() throws Exception {
        String camera = cam();
        Instant day = Instant.now().minus(Duration.ofDays(42)).truncatedTo(ChronoUnit.DAYS);
        String partition = "camera_status_" + DAY.format(day);
        try (Connection c = db()) {
            c.createStatement().execute("select events.ensure_partitions('camera_status', 45, 0)");
            c.createStatement().executeUpdate("insert into events.camera_status (camera_id, at, site, state, fps, "
                    + "width, height) values ('" + camera + "', '" + day.plus(Duration.ofHours(1))
                    + "', 'hq', 'online', 15, 640, 360)");
        }
        try (Connection reader = db(); Connection ingest = db()) {
            reader.setAutoCommit(false); // a long report over that day
            reader.createStatement().execute("lock table events." + partition + " in access share mode");
            // ingest gives up on any lock wait at once: a detach that made inserts queue (as a plain DETACH does,
            // holding the parent's ACCESS EXCLUSIVE lock while it waits for the reader) fails this insert
            ingest.createStatement().execute("set lock_timeout = '20ms'");
            var running = CompletableFuture.supplyAsync(EventRetentionTest::run);
            int inserts = 0;
            try (PreparedStatement p = ingest.prepareStatement("insert into events.camera_status (camera_id, at, "
                    + "site, state, fps, width, height) values (?, now(), 'hq', 'online', 15, 640, 360)")) {
                while (!running.isDone()) {
                    p.setString(1, camera + "-live-" + inserts++);
                    p.executeUpdate();
                }
            }
            var report = running.get(60, TimeUnit.SECONDS);
            assertThat(inserts).as("inserts went on during the run").isGreaterThan(1);
            assertThat(report.getInt("events.camera_status.daysBusy")).isGreaterThanOrEqualTo(1);
            assertThat(report.getList("warnings", String.class)).anyMatch(w -> w.contains(
                    "of camera_status were left for the next run"));
            assertThat(partitionRows(partition)).as("nothing deleted while the reader holds the day").isEqualTo(1);
            reader.rollback();
        }
        assertThat(run().getInt("events.camera_status.daysBusy")).isZero();
        assertThat(partitionRows(partition)).as("the next run finished the detach and dropped the day").isEqualTo(-1);
    }

    @Test
    void aDayLeftDetachedByACrashIsDroppedOrPutBackIfAHoldNowCoversIt() throws Exception {
        String camera = cam();
        Instant[] days = {Instant.now().minus(Duration.ofDays(38)), Instant.now().minus(Duration.ofDays(37))};
        String[] names = new String[2];
        try (Connection c = db()) {
            c.createStatement().execute("select events.ensure_partitions('detections', 45, 0)");
            for (int i = 0; i < 2; i++) {
                Instant d = days[i].truncatedTo(ChronoUnit.DAYS);
                names[i] = "detections_" + DAY.format(d);
                for (int h : new int[] {2, 5}) {
                    c.createStatement().executeUpdate("insert into events.detections (camera_id, at, site, detector, "
                            + "objects) values ('" + camera + "', '" + d.plus(Duration.ofHours(h)) + "', 'hq', 't', "
                            + "'[]')");
                }
                // what a run that crashed after the detach left behind
                c.createStatement().execute("alter table events.detections detach partition events." + names[i]);
            }
        }
        // the second day: a hold on its 05:00 placed after the crash
        Instant heldAt = days[1].truncatedTo(ChronoUnit.DAYS).plus(Duration.ofHours(5));
        hold(camera, heldAt.minusSeconds(60), heldAt.plusSeconds(60));

        assertThat(run().getInt("events.detections.keptHeld")).isGreaterThanOrEqualTo(1);
        assertThat(partitionRows(names[0])).as("the unheld detached day is dropped").isEqualTo(-1);
        assertThat(partitionRows(names[1])).as("the held one is back, with only its held row").isEqualTo(1);
        assertThat(eventRows("detections", camera)).as("and is seen through the table again").isEqualTo(1);
    }

    /** Rows of an event-store table for this camera. */
    private long eventRows(String table, String camera) throws Exception {
        try (Connection c = db(); ResultSet rs = c.createStatement().executeQuery(
                "select count(*) from events." + table + " where camera_id = '" + camera + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The rows in one day's table, attached or not; -1 when it does not exist. */
    private long partitionRows(String partition) throws Exception {
        try (Connection c = db(); ResultSet rs = c.createStatement().executeQuery(
                "select to_regclass('events." + partition + "') is not null")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return -1;
            }
        }
        try (Connection c = db(); ResultSet rs = c.createStatement().executeQuery("select count(*) from events."
                + partition)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private List<UUID> ids(String camera) throws Exception {
        List<UUID> out = new ArrayList<>();
        try (Connection c = db(); ResultSet rs = c.createStatement().executeQuery(
                "select event_id from events.motion_events where camera_id = '" + camera + "'")) {
            while (rs.next()) {
                out.add(rs.getObject(1, UUID.class));
            }
        }
        return out;
    }

    private List<UUID> snapshots(UUID... ids) throws Exception {
        return reviewed("snapshots", ids);
    }

    /** Which of these bookmarks are stored. */
    private List<UUID> bookmarks(UUID... ids) throws Exception {
        List<UUID> out = new ArrayList<>();
        try (Connection c = db(); PreparedStatement p = c.prepareStatement(
                "select bookmark_id from events.bookmarks where bookmark_id = any(?)")) {
            p.setArray(1, c.createArrayOf("uuid", ids));
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getObject(1, UUID.class));
                }
            }
        }
        return out;
    }

    /** Which of these events have a row in {@code table} (snapshots, event_reviews, event_team_reviews). */
    private List<UUID> reviewed(String table, UUID... ids) throws Exception {
        List<UUID> out = new ArrayList<>();
        try (Connection c = db(); PreparedStatement p = c.prepareStatement(
                "select event_id from events." + table + " where event_id = any(?)")) {
            p.setArray(1, c.createArrayOf("uuid", ids));
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getObject(1, UUID.class));
                }
            }
        }
        return out;
    }
}
