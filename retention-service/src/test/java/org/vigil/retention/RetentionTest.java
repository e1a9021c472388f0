package org.vigil.retention;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.Json;
import org.vigil.contracts.Topics;
import org.vigil.devstack.testing.EventStoreTables;
import org.vigil.devstack.testing.KafkaTestResource;
import org.vigil.devstack.testing.PostgresTestResource;
import org.vigil.devstack.testing.TestTokens;
import org.vigil.devstack.testing.TokenIssuerTestResource;
import org.vigil.devstack.testing.TopicProbe;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * Legal holds and the recordings policy against real PostgreSQL and Kafka: who may hold and release, that held and
 * recent footage survives a run while old footage goes (row and file together), dry runs, the crash reconcile, and
 * one pruner at a time. The event store's tables (the event service's) are created with the columns retention uses.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TokenIssuerTestResource.class)
class RetentionTest {

    static final String OLGA = TestTokens.token("olga", "operator", "hq");
    static final String VERA = TestTokens.token("vera", "viewer", "hq");
    static final String ADA = TestTokens.token("ada", "admin", "*");
    static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;

    @ConfigProperty(name = "vigil.retention.recordings-dir")
    Path recordings;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @BeforeEach
    void eventStore() throws Exception {
        EventStoreTables.createIfMissing(jdbcUrl);
    }

    private Connection db() throws Exception {
        return DriverManager.getConnection(jdbcUrl, "vigil", "");
    }

    /** A recorded minute of {@code camera} starting at {@code start}: its file and, when {@code indexed}, its row. */
    private Path segment(String camera, Instant start, boolean indexed) throws Exception {
        return segment(camera, "hq", start, indexed);
    }

    private Path segment(String camera, String site, Instant start, boolean indexed) throws Exception {
        Path root = recordings.toAbsolutePath();
        String rel = camera + "/recording_" + camera + "_" + NAME.format(start) + ".avi";
        Path f = root.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.write(f, new byte[1000]);
        Files.write(f.resolveSibling(f.getFileName() + ".idx"), new byte[10]);
        Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.from(start.plusSeconds(60)));
        if (indexed) {
            try (Connection c = db(); PreparedStatement p = c.prepareStatement(
                    "insert into events.segments values (?, ?, ?, ?, ?, ?, ?, 900, 1000, 'x', 'h264', 640, 360)")) {
                p.setString(1, camera + "-" + start.toEpochMilli());
                p.setString(2, camera);
                p.setString(3, site);
                p.setString(4, root.toString());
                p.setString(5, rel);
                p.setObject(6, OffsetDateTime.ofInstant(start, ZoneOffset.UTC));
                p.setObject(7, OffsetDateTime.ofInstant(start.plusSeconds(60), ZoneOffset.UTC));
                p.executeUpdate();
            }
        }
        return f;
    }

    private long rows(String camera) throws Exception {
        try (Connection c = db(); ResultSet rs = c.createStatement().executeQuery(
                "select count(*) from events.segments where camera_id = '" + camera + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String cam() {
        return "cam-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Map<String, Object> hold(String camera, Instant from, Instant to) {
        return Map.of("cameraId", camera, "from", from.toString(), "to", to.toString(), "caseId", "CASE-9",
                "reason", "burglary under investigation");
    }

    @Test
    void operatorsPlaceHoldsAdminsReleaseThemAndBothAreAudited() throws Exception {
        String camera = cam();
        Instant old = Instant.now().minus(Duration.ofDays(40));
        segment(camera, old, true);
        given().auth().oauth2(VERA).contentType(ContentType.JSON).body(hold(camera, old, old.plusSeconds(60))).when()
                .post("/api/retention/holds").then().statusCode(403);
        String id = given().auth().oauth2(OLGA).contentType(ContentType.JSON).body(hold(camera, old, old.plusSeconds(60)))
                .when().post("/api/retention/holds").then().statusCode(201).body("caseId", equalTo("CASE-9"))
                .body("placedBy", equalTo("olga")).extract().path("id");
        given().auth().oauth2(OLGA).contentType(ContentType.JSON).body(Map.of("cameraId", camera, "caseId", "C",
                "reason", "no range")).when().post("/api/retention/holds").then().statusCode(400)
                .body("field", equalTo("to"));
        given().auth().oauth2(TestTokens.token("otto", "operator", "elsewhere")).contentType(ContentType.JSON)
                .body(hold(camera, old, old.plusSeconds(60))).when().post("/api/retention/holds").then().statusCode(404);
        given().auth().oauth2(OLGA).when().post("/api/retention/holds/" + id + "/release").then().statusCode(403);
        given().auth().oauth2(ADA).when().post("/api/retention/holds/" + id + "/release").then().statusCode(200)
                .body("releasedBy", equalTo("ada"));
        given().auth().oauth2(ADA).when().post("/api/retention/holds/" + id + "/release").then().statusCode(409);
        for (String action : List.of("hold.place", "hold.release")) {
            AuditEntry e = TopicProbe.await(bootstrap, Topics.AUDIT, Duration.ofSeconds(30), r -> {
                AuditEntry a = Json.read(r.value(), AuditEntry.class);
                return a.action().equals(action) && camera.equals(a.target()) ? a : null;
            });
            assertThat(e.details()).containsEntry("hold", id).containsEntry("case", "CASE-9");
        }
    }

    @Test
    void aRunRemovesOldFootageRowAndFileButNeverHeldOrRecentFootage() throws Exception {
        String camera = cam();
        Instant now = Instant.now();
        Path oldFree = segment(camera, now.minus(Duration.ofDays(40)), true);
        Path oldHeld = segment(camera, now.minus(Duration.ofDays(35)), true);
        Path recent = segment(camera, now.minus(Duration.ofDays(2)), true);
        Instant heldAt = now.minus(Duration.ofDays(35));
        given().auth().oauth2(OLGA).contentType(ContentType.JSON).body(hold(camera, heldAt.plusSeconds(10),
                heldAt.plusSeconds(20))).when().post("/api/retention/holds").then().statusCode(201);

        long before = given().auth().oauth2(ADA).when().get("/api/retention/dry-run").then().statusCode(200)
                .body("dryRun", equalTo(true)).extract().jsonPath().getLong("segments");
        assertThat(before).isGreaterThanOrEqualTo(1);
        assertThat(rows(camera)).as("a dry run changes nothing").isEqualTo(3);
        given().auth().oauth2(OLGA).when().get("/api/retention/dry-run").then().statusCode(403);

        given().auth().oauth2(ADA).when().post("/api/retention/run").then().statusCode(200).body("ran", equalTo(true));
        assertThat(oldFree).doesNotExist();
        assertThat(oldFree.resolveSibling(oldFree.getFileName() + ".idx")).doesNotExist();
        assertThat(oldHeld).exists();
        assertThat(recent).exists();
        assertThat(rows(camera)).isEqualTo(2);
        // no row points at a missing file
        try (Connection c = db(); ResultSet rs = c.createStatement().executeQuery(
                "select root, path from events.segments where camera_id = '" + camera + "'")) {
            while (rs.next()) {
                assertThat(Path.of(rs.getString(1)).resolve(rs.getString(2))).exists();
            }
        }
        AuditEntry report = TopicProbe.await(bootstrap, Topics.AUDIT, Duration.ofSeconds(30), r -> {
            AuditEntry a = Json.read(r.value(), AuditEntry.class);
            return a.action().equals("retention.run") && a.actor().equals("ada") ? a : null;
        });
        assertThat(Long.parseLong(report.details().get("segments"))).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aFileLeftWithoutItsRowByACrashIsRemovedByTheNextRunUnlessHeld() throws Exception {
        String camera = cam();
        Instant now = Instant.now();
        // older than every policy (the longest here is 90 days): a file without a row has no known site
        Path orphan = segment(camera, now.minus(Duration.ofDays(100)), false);
        Path heldOrphan = segment(camera, now.minus(Duration.ofDays(99)), false);
        Path withinLongest = segment(camera, now.minus(Duration.ofDays(60)), false);
        Path young = segment(camera, now.minus(Duration.ofDays(1)), false); // maybe not indexed yet: left alone
        try (Connection c = db()) {
            c.createStatement().executeUpdate("insert into events.segments values ('seed-" + camera + "', '" + camera
                    + "', 'hq', 'x', 'y', now() - interval '1 day', now(), 1, 1, 'x', 'h264', 1, 1)");
        }
        Instant h = now.minus(Duration.ofDays(99));
        given().auth().oauth2(OLGA).contentType(ContentType.JSON).body(hold(camera, h, h.plusSeconds(60))).when()
                .post("/api/retention/holds").then().statusCode(201);
        given().auth().oauth2(ADA).when().post("/api/retention/run").then().statusCode(200);
        assertThat(orphan).doesNotExist();
        assertThat(heldOrphan).exists();
        assertThat(withinLongest).as("an orphan another policy might still keep").exists();
        assertThat(young).exists();
    }

    @Test
    void cameraAndSiteOverridesWinOverTheDefault() throws Exception {
        // the test profile: RETENTION_DAYS 30, site short-site 7 days, camera keep-cam 90 days
        Instant now = Instant.now();
        String shortCam = cam();
        Path shortOld = segment(shortCam, "short-site", now.minus(Duration.ofDays(10)), true);
        Path keptLong = segment("keep-cam", "hq", now.minus(Duration.ofDays(40)), true);
        Path defaultYoung = segment(cam(), "hq", now.minus(Duration.ofDays(10)), true);
        given().auth().oauth2(ADA).when().post("/api/retention/run").then().statusCode(200).body("ran", equalTo(true));
        assertThat(shortOld).as("10 days old on a 7-day site").doesNotExist();
        assertThat(keptLong).as("40 days old on a 90-day camera").exists();
        assertThat(defaultYoung).as("10 days old under the 30-day default").exists();
    }

    @Test
    void onlyOneInstancePrunesAtATime() throws Exception {
        try (Connection other = db()) {
            try (ResultSet rs = other.createStatement().executeQuery(
                    "select pg_advisory_lock(hashtext('vigil.retention.prune'))")) {
                rs.next();
            }
            given().auth().oauth2(ADA).when().post("/api/retention/run").then().statusCode(200)
                    .body("ran", equalTo(false));
            other.createStatement().execute("select pg_advisory_unlock(hashtext('vigil.retention.prune'))");
        }
        given().auth().oauth2(ADA).when().post("/api/retention/run").then().statusCode(200).body("ran", equalTo(true));
    }
}
