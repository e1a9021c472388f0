package org.vigil.retention;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.contracts.Topics;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.testing.KafkaTestResource;
import org.vigil.devstack.testing.PostgresTestResource;
import org.vigil.devstack.testing.ServiceSchemas;
import org.vigil.devstack.testing.TestTokens;
import org.vigil.devstack.testing.TokenIssuerTestResource;
import org.vigil.devstack.testing.TopicProbe;

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

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;

    @ConfigProperty(name = "vigil.retention.recordings-dir")
    Path recordings;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @BeforeEach
    void eventStore() throws Exception {
        ServiceSchemas.events(jdbcUrl);
    }

    private Connection db() throws Exception {
        return DriverManager.getConnection(jdbcUrl, EmbeddedPostgresServer.SUPERUSER, "");
    }

    /** A recorded minute of {@code camera} starting at {@code start}: its file and, when {@code indexed}, its row. */
    private Path segment(String camera, Instant start, boolean indexed) throws Exception {
        return segment(camera, "hq", start, indexed);
    }

    private Path segment(String camera, String site, Instant start, boolean indexed) throws Exception {
        return Recordings.segment(jdbcUrl, recordings, camera, site, start, indexed);
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
        long heldBefore = heldBytes();
        String id = given().auth().oauth2(OLGA).contentType(ContentType.JSON).body(hold(camera, old, old.plusSeconds(60)))
                .when().post("/api/retention/holds").then().statusCode(201).body("caseId", equalTo("CASE-9"))
                .body("placedBy", equalTo("olga")).extract().path("id");
        given().auth().oauth2(OLGA).contentType(ContentType.JSON).body(Map.of("cameraId", camera, "caseId", "C",
                "reason", "no range")).when().post("/api/retention/holds").then().statusCode(400)
                .body("field", equalTo("to"));
        given().auth().oauth2(TestTokens.token("otto", "operator", "elsewhere")).contentType(ContentType.JSON)
                .body(hold(camera, old, old.plusSeconds(60))).when().post("/api/retention/holds").then().statusCode(404);
        // the status page's held bytes follow a hold at once (not after its one-minute cache)
        long heldWithHold = heldBytes();
        assertThat(heldWithHold).isGreaterThan(heldBefore);
        given().auth().oauth2(OLGA).when().post("/api/retention/holds/" + id + "/release").then().statusCode(403);
        given().auth().oauth2(ADA).when().post("/api/retention/holds/" + id + "/release").then().statusCode(200)
                .body("releasedBy", equalTo("ada"));
        assertThat(heldBytes()).isLessThan(heldWithHold);
        given().auth().oauth2(ADA).when().post("/api/retention/holds/" + id + "/release").then().statusCode(409);
        for (String action : List.of("hold.place", "hold.release")) {
            AuditEntry e = TopicProbe.await(bootstrap, Topics.AUDIT, Duration.ofSeconds(30), r -> {
                AuditEntry a = Json.read(r.value(), AuditEntry.class);
                return a.action().equals(action) && ("camera:" + camera).equals(a.target()) ? a : null;
            });
            assertThat(e.details()).containsEntry("hold", id).containsEntry("case", "CASE-9");
        }
    }

    @Test
    void retentionActsOnEverySiteSoAnAdminOfSomeSitesIsRefusedBeforeAnythingRuns() {
        String hqAdmin = TestTokens.token("hana", "admin", "hq");
        given().auth().oauth2(hqAdmin).when().post("/api/retention/run").then().statusCode(403)
                .body("error", equalTo("forbidden"));
        given().auth().oauth2(hqAdmin).when().get("/api/retention/dry-run").then().statusCode(403);
        given().auth().oauth2(hqAdmin).when().get("/api/retention/last-run").then().statusCode(403);
        given().auth().oauth2(hqAdmin).when().get("/api/retention/policy").then().statusCode(403);
        given().auth().oauth2(hqAdmin).contentType(ContentType.JSON).body("{\"recordingsDir\":\"/\",\"minFreeBytes\":1}")
                .when().post("/api/retention/dry-run/storage").then().statusCode(403);
        given().auth().oauth2(ADA).when().get("/api/retention/policy").then().statusCode(200);
    }

    @Test
    void aProposedFloorIsPreviewedAsTheOldestUnheldFootageItWouldDelete() throws Exception {
        String camera = cam();
        Instant old = Instant.now().minus(Duration.ofDays(3));
        segment(camera, old, true);
        String dir = recordings.toAbsolutePath().toString();
        long total = java.nio.file.Files.getFileStore(recordings.toAbsolutePath()).getTotalSpace();
        io.restassured.path.json.JsonPath high = given().auth().oauth2(ADA).contentType(ContentType.JSON)
                .body(Map.of("recordingsDir", dir, "minFreeBytes", total - 1)).when()
                .post("/api/retention/dry-run/storage").then().statusCode(200).extract().jsonPath();
        assertThat(high.getLong("bytesToFree")).isPositive();
        assertThat(high.getLong("segments")).isPositive();
        assertThat(Instant.parse(high.getString("oldest"))).isBeforeOrEqualTo(old);
        assertThat(rows(camera)).as("a preview changes nothing").isEqualTo(1);
        given().auth().oauth2(ADA).contentType(ContentType.JSON).body(Map.of("recordingsDir", dir, "minFreeBytes", 0))
                .when().post("/api/retention/dry-run/storage").then().statusCode(200).body("bytesToFree", equalTo(0))
                .body("segments", equalTo(0));
        given().auth().oauth2(ADA).contentType(ContentType.JSON).body(Map.of("recordingsDir", "relative"))
                .when().post("/api/retention/dry-run/storage").then().statusCode(400);
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

    /** A registry record of {@code id} on {@code site} keeping {@code days} (null: its site's policy). */
    private void register(String id, String site, Integer days) {
        CameraConfig c = new CameraConfig(CameraConfig.VERSION, id, id, site, "test:", null, true, 0.5, null, null,
                Instant.now(), "ada", true, null, null, null, null, days);
        TopicProbe.send(bootstrap, Topics.CAMERAS, id, Json.write(c));
    }

    private io.restassured.path.json.JsonPath previewOf(String token, String id, String site, Integer days, int status) {
        Map<String, Object> cam = new java.util.HashMap<>();
        cam.put("id", id);
        cam.put("site", site);
        cam.put("retentionDays", days);
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("cameras", List.of(cam)))
                .when().post("/api/retention/dry-run/cameras").then().statusCode(status).extract().jsonPath();
    }

    private Map<String, Integer> cameraDaysInForce() {
        return given().auth().oauth2(ADA).when().get("/api/retention/policy").then().statusCode(200).extract()
                .jsonPath().getMap("cameraDays", String.class, Integer.class);
    }

    @Test
    void aCamerasOwnDaysFromTheRegistryApplyPreviewedFirstAndTheEnvironmentWins() throws Exception {
        // the test profile: RETENTION_DAYS 30, camera keep-cam 90 days (RETENTION_DAYS_BY_CAMERA)
        Instant now = Instant.now();
        String camera = cam();
        Path tenDays = segment(camera, "hq", now.minus(Duration.ofDays(10)), true);
        Path twoDays = segment(camera, "hq", now.minus(Duration.ofDays(2)), true);

        // previewed before any change: 5 days would take the 10-day-old minute, 1 day both, none (the default 30) none
        assertThat(previewOf(ADA, camera, "hq", 5, 200).getLong("segments")).isEqualTo(1);
        assertThat(previewOf(ADA, camera, "hq", 1, 200).getLong("segments")).isEqualTo(2);
        assertThat(previewOf(ADA, camera, "hq", null, 200).getLong("segments")).isZero();
        // an admin of the camera's site may preview it; of another site, or an operator, not
        assertThat(previewOf(TestTokens.token("hana", "admin", "hq"), camera, "hq", 5, 200).getLong("segments"))
                .isEqualTo(1);
        previewOf(TestTokens.token("nils", "admin", "north"), camera, "hq", 5, 403);
        previewOf(OLGA, camera, "hq", 5, 403);
        previewOf(ADA, camera, "hq", 0, 400);
        assertThat(rows(camera)).as("a preview changes nothing").isEqualTo(2);

        register(camera, "hq", 5);
        register("keep-cam", "hq", 3); // named in RETENTION_DAYS_BY_CAMERA too: the environment's 90 wins
        String longest = cam();
        register(longest, "hq", 120); // the longest days of all: a file without a row younger than that stays
        Path orphan = segment(cam(), "hq", now.minus(Duration.ofDays(100)), false);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Integer.valueOf(120).equals(cameraDaysInForce().get(longest)) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(cameraDaysInForce()).containsEntry(camera, 5).containsEntry("keep-cam", 90);
        // the registry puts the camera on hq: an admin of north cannot preview it even naming their own site
        previewOf(TestTokens.token("nils", "admin", "north"), camera, "north", 1, 403);

        given().auth().oauth2(ADA).when().post("/api/retention/run").then().statusCode(200).body("ran", equalTo(true));
        assertThat(tenDays).as("10 days old on a camera keeping 5").doesNotExist();
        assertThat(twoDays).exists();
        assertThat(orphan).as("a 100-day-old file without a row while a camera keeps 120 days").exists();
        TopicProbe.send(bootstrap, Topics.CAMERAS, longest, null);

        // removed from the registry: the camera's footage falls back to its site's policy, and stays for now
        TopicProbe.send(bootstrap, Topics.CAMERAS, camera, null);
        deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (cameraDaysInForce().containsKey(camera) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(cameraDaysInForce()).doesNotContainKey(camera);
        register("keep-cam", "hq", null);
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

    @Test
    void quotasDeleteTheOldestUnheldFootageOfACameraAndOfASite() throws Exception {
        // the test profile: camera quota-cam at most 3000 bytes, site quota-site at most 5000 (segments are 1000)
        Instant now = Instant.now().minus(Duration.ofHours(6));
        List<Path> cam = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            cam.add(segment("quota-cam", "hq", now.plus(Duration.ofMinutes(i)), true));
        }
        given().auth().oauth2(OLGA).contentType(ContentType.JSON).body(hold("quota-cam", now.plusSeconds(5),
                now.plusSeconds(10))).when().post("/api/retention/holds").then().statusCode(201);
        String a = cam();
        String b = cam();
        List<Path> site = new java.util.ArrayList<>();
        for (int i = 0; i < 7; i++) {
            site.add(segment(i % 2 == 0 ? a : b, "quota-site", now.plus(Duration.ofMinutes(i)), true));
        }
        given().auth().oauth2(ADA).when().get("/api/retention/dry-run").then().statusCode(200)
                .body("byQuota.segments", equalTo(4));
        given().auth().oauth2(ADA).when().post("/api/retention/run").then().statusCode(200)
                .body("byQuota.segments", equalTo(4)).body("byQuota.bytes", equalTo(4000));
        assertThat(cam.get(0)).as("held, though the oldest").exists();
        assertThat(cam.get(1)).doesNotExist();
        assertThat(cam.get(2)).doesNotExist();
        assertThat(cam.get(3)).exists();
        assertThat(cam.get(4)).exists();
        assertThat(rows("quota-cam")).isEqualTo(3);
        assertThat(site.subList(0, 2)).allSatisfy(f -> assertThat(f).doesNotExist());
        assertThat(site.subList(2, 7)).allSatisfy(f -> assertThat(f).exists());

        // everything left on the site held, and one more segment: nothing goes, and the report says why
        given().auth().oauth2(ADA).contentType(ContentType.JSON).body(hold(a, now, now.plus(Duration.ofHours(1))))
                .when().post("/api/retention/holds").then().statusCode(201);
        given().auth().oauth2(ADA).contentType(ContentType.JSON).body(hold(b, now, now.plus(Duration.ofHours(1))))
                .when().post("/api/retention/holds").then().statusCode(201);
        Path extra = segment(a, "quota-site", now.plus(Duration.ofMinutes(10)), true);
        given().auth().oauth2(ADA).when().post("/api/retention/run").then().statusCode(200)
                .body("byQuota.segments", equalTo(0))
                .body("warnings", org.hamcrest.Matchers.hasItem(org.hamcrest.Matchers.containsString(
                        "site quota-site is over its quota by 1000 bytes")));
        assertThat(extra).exists();
    }

    @Test
    void aHoldOnAnEventKeepsTheFootageOfItsSpan() throws Exception {
        String camera = cam();
        Instant at = Instant.now().minus(Duration.ofDays(40)).truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
        Path footage = segment(camera, at, true);
        Path other = segment(camera, at.plus(Duration.ofHours(2)), true);
        UUID event = UUID.randomUUID();
        try (Connection c = db()) {
            c.createStatement().execute("select events.ensure_partitions('motion_events', 45, 0)");
            try (PreparedStatement p = c.prepareStatement("insert into events.motion_events (event_id, camera_id, "
                    + "site, started_at, last_at, ended_at, score) values (?, ?, 'hq', ?, ?, ?, 0.5)")) {
                p.setObject(1, event);
                p.setString(2, camera);
                p.setObject(3, OffsetDateTime.ofInstant(at.plusSeconds(10), ZoneOffset.UTC));
                p.setObject(4, OffsetDateTime.ofInstant(at.plusSeconds(20), ZoneOffset.UTC));
                p.setObject(5, OffsetDateTime.ofInstant(at.plusSeconds(30), ZoneOffset.UTC));
                p.executeUpdate();
            }
        }
        // looked up through the event store's read view: the event's camera and span
        given().auth().oauth2(OLGA).contentType(ContentType.JSON).body(Map.of("eventId", event.toString(), "caseId",
                "CASE-E", "reason", "assault in the car park")).when().post("/api/retention/holds").then()
                .statusCode(201).body("kind", equalTo("event")).body("cameras[0]", equalTo(camera));
        given().auth().oauth2(ADA).when().post("/api/retention/run").then().statusCode(200);
        assertThat(footage).as("the minute the held event lies in stays").exists();
        assertThat(other).as("footage of the camera outside the event goes").doesNotExist();
    }

    @Test
    void aHoldOnAnExportKeepsEveryCameraOfTheExport() throws Exception {
        ServiceSchemas.exports(jdbcUrl);
        String one = cam();
        String two = cam();
        Instant old = Instant.now().minus(Duration.ofDays(50));
        Path a = segment(one, old, true);
        Path b = segment(two, old.plusSeconds(60), true);
        UUID export = UUID.randomUUID();
        try (Connection c = db(); PreparedStatement p = c.prepareStatement("insert into exports.jobs (id, state, "
                + "cameras, sites, from_ts, to_ts, reason, requested_by) values (?, 'done', ?, ?, ?, ?, 'case', 'olga')")) {
            p.setObject(1, export);
            p.setArray(2, c.createArrayOf("text", new String[] {one, two}));
            p.setArray(3, c.createArrayOf("text", new String[] {"hq"}));
            p.setObject(4, OffsetDateTime.ofInstant(old, ZoneOffset.UTC));
            p.setObject(5, OffsetDateTime.ofInstant(old.plusSeconds(120), ZoneOffset.UTC));
            p.executeUpdate();
        }
        Map<String, Object> body = Map.of("exportId", export.toString(), "caseId", "CASE-X", "reason",
                "evidence handed to the police");
        given().auth().oauth2(TestTokens.token("otto", "operator", "elsewhere")).contentType(ContentType.JSON)
                .body(body).when().post("/api/retention/holds").then().statusCode(404);
        given().auth().oauth2(OLGA).contentType(ContentType.JSON).body(Map.of("exportId", UUID.randomUUID().toString(),
                "caseId", "CASE-X", "reason", "no such export")).when().post("/api/retention/holds").then()
                .statusCode(404).body("field", equalTo("exportId"));
        given().auth().oauth2(OLGA).contentType(ContentType.JSON).body(body).when().post("/api/retention/holds").then()
                .statusCode(201).body("kind", equalTo("export")).body("exportId", equalTo(export.toString()))
                .body("cameras", org.hamcrest.Matchers.containsInAnyOrder(one, two));
        given().auth().oauth2(ADA).when().post("/api/retention/run").then().statusCode(200);
        assertThat(a).exists();
        assertThat(b).exists();
        for (String camera : List.of(one, two)) {
            AuditEntry e = TopicProbe.await(bootstrap, Topics.AUDIT, Duration.ofSeconds(30), r -> {
                AuditEntry x = Json.read(r.value(), AuditEntry.class);
                return x.action().equals("hold.place") && ("camera:" + camera).equals(x.target()) ? x : null;
            });
            assertThat(e.details()).containsEntry("export", export.toString());
        }
    }

    private static long heldBytes() {
        return given().auth().oauth2(VERA).when().get("/api/retention/status").then().statusCode(200).extract()
                .jsonPath().getLong("heldBytes");
    }

    @Test
    void theRecordersPlaybackCacheOnTheRecordingsVolumeCountsAsFreeSpace() throws Exception {
        // viewings fill the cache; if they counted against free space, a series of them could make this service
        // delete footage for room
        Path cache = java.nio.file.Files.createDirectories(Path.of("target", "test-playback-cache"));
        Path render = cache.resolve("some-render.mp4");
        java.nio.file.FileStore volume = java.nio.file.Files.getFileStore(cache);
        // the volume's own free space is read beside the service's each time: other writers on this machine (a test
        // suite's other lanes) move both alike, the cache only the volume's
        long volumeBefore = volume.getUsableSpace();
        long before = freeBytes();
        try {
            java.nio.file.Files.write(render, new byte[256 << 20]);
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(render,
                    java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true); // the bytes really left the free space
            }
            long volumeAfter = volume.getUsableSpace();
            long after = freeBytes();
            assertThat(Math.abs((after - before) - (volumeAfter - volumeBefore + (256L << 20))))
                    .as("256 MiB of cache change the service's free space by what they took, less the cache")
                    .isLessThan(64L << 20);
        } finally {
            java.nio.file.Files.deleteIfExists(render);
        }
    }

    private static long freeBytes() {
        return given().auth().oauth2(VERA).when().get("/api/retention/status").then().statusCode(200).extract()
                .jsonPath().getLong("freeBytes");
    }

    @Test
    void everyRoleSeesTheStorageFigures() {
        given().auth().oauth2(VERA).when().get("/api/retention/status").then().statusCode(200)
                .body("freeBytes", org.hamcrest.Matchers.greaterThan(0L))
                .body("thresholdHours", equalTo(24.0f))
                .body("usedBytes", org.hamcrest.Matchers.notNullValue())
                .body("low", equalTo(false));
        given().when().get("/api/retention/status").then().statusCode(401);
    }
}
