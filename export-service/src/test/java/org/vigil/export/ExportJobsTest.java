package org.vigil.export;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.zip.ZipFile;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.Json;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.testing.KafkaTestResource;
import org.vigil.devstack.testing.PostgresTestResource;
import org.vigil.devstack.testing.ServiceSchemas;
import org.vigil.devstack.testing.TestClips;
import org.vigil.devstack.testing.TestTokens;
import org.vigil.devstack.testing.TokenIssuerTestResource;
import org.vigil.evidence.AuditChain;
import org.vigil.evidence.ExportPackage;
import org.vigil.evidence.ExportVerifier;
import org.vigil.evidence.Signing;
import org.vigil.export.repository.JobRepository;

/**
 * Export jobs against real PostgreSQL and Kafka: roles, bad input, a missing recording, no room on disk, a package
 * that verifies offline with the service's public key, cancellation, and jobs left running by a stop. The event
 * store's tables (owned by the event service) are created here with the columns the export reads; the system test
 * runs against the real ones.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TokenIssuerTestResource.class)
@QuarkusTestResource(FarSiteRecorder.class)
class ExportJobsTest {

    static final String OLGA = TestTokens.token("olga", "operator", "hq");
    static final String VERA = TestTokens.token("vera", "viewer", "hq");
    static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;

    @Inject
    JobRepository jobs;

    Path recordings = Path.of("target", "export-test-recordings").toAbsolutePath();

    @BeforeEach
    void eventStore() throws Exception {
        ServiceSchemas.events(jdbcUrl);
    }

    private Connection db() throws Exception {
        return DriverManager.getConnection(jdbcUrl, EmbeddedPostgresServer.SUPERUSER, "");
    }

    /** Writes {@code n} segment files of {@code size} bytes for a fresh camera and indexes them; returns the camera. */
    private String camera(String site, int n, int size) throws Exception {
        String cam = "cam-" + UUID.randomUUID().toString().substring(0, 8);
        Random r = new Random(cam.hashCode());
        try (Connection c = db(); PreparedStatement p = c.prepareStatement(
                "insert into events.segments values (?, ?, ?, ?, ?, ?, ?, 15, ?, ?, 'h264', 640, 360)")) {
            for (int i = 0; i < n; i++) {
                String rel = cam + "/recording_" + cam + "_" + i + ".avi";
                Path f = recordings.resolve(rel);
                Files.createDirectories(f.getParent());
                byte[] data = new byte[size];
                r.nextBytes(data);
                Files.write(f, data);
                p.setString(1, cam + "-" + i);
                p.setString(2, cam);
                p.setString(3, site);
                p.setString(4, recordings.toString());
                p.setString(5, rel);
                p.setObject(6, java.time.OffsetDateTime.ofInstant(T0.plusSeconds(60L * i), java.time.ZoneOffset.UTC));
                p.setObject(7, java.time.OffsetDateTime.ofInstant(T0.plusSeconds(60L * i + 60), java.time.ZoneOffset.UTC));
                p.setLong(8, size);
                p.setString(9, "x");
                p.executeUpdate();
            }
            // the event store has day partitions around today only, and motion_events no default partition
            c.createStatement().execute("select events.ensure_days('motion_events', array['"
                    + T0.atOffset(java.time.ZoneOffset.UTC).toLocalDate() + "'::date])");
            c.createStatement().executeUpdate("insert into events.motion_events (event_id, camera_id, site, started_at, "
                    + "last_at, score, zone, labels) values ('" + UUID.randomUUID() + "', '" + cam + "', '" + site
                    + "', '" + T0.plusSeconds(30) + "', '" + T0.plusSeconds(31) + "', 0.4, '=cmd|'' /C calc''!A0', "
                    + "'{person}')");
            // an operator's bookmark in the range (a formula-like note stays text: the package is JSON)
            c.createStatement().executeUpdate("insert into events.bookmarks (bookmark_id, camera_id, site, at, note, "
                    + "created_by, created_at) values ('" + UUID.randomUUID() + "', '" + cam + "', '" + site + "', '"
                    + T0.plusSeconds(40) + "', 'van at the gate, plate =HYPERLINK', 'olga', now())");
            // three audit entries about the camera, chained
            String prev = "cd".repeat(32);
            long seq = System.nanoTime();
            for (int i = 0; i < 3; i++) {
                AuditEntry e = new AuditEntry(1, UUID.randomUUID().toString(), T0.plusSeconds(i), "gateway", "ada",
                        "camera.recording.set", cam, site, "success", Map.of("recording", "true"));
                String hash = AuditChain.chain(prev, e);
                try (PreparedStatement a = c.prepareStatement("insert into events.audit_log values (?, ?::uuid, ?, ?, ?, ?, "
                        + "?, ?, ?, ?::jsonb, ?, ?)")) {
                    a.setLong(1, seq + i);
                    a.setString(2, e.id());
                    a.setObject(3, java.time.OffsetDateTime.ofInstant(e.at(), java.time.ZoneOffset.UTC));
                    a.setString(4, e.service());
                    a.setString(5, e.actor());
                    a.setString(6, e.action());
                    a.setString(7, e.target());
                    a.setString(8, e.site());
                    a.setString(9, e.outcome());
                    a.setString(10, new String(Json.write(e.details()), StandardCharsets.UTF_8));
                    a.setString(11, prev);
                    a.setString(12, hash);
                    a.executeUpdate();
                }
                prev = hash;
            }
        }
        return cam;
    }

    @Test
    void aRemoteSitesSegmentsAreFetchedWithTheGrantAndCheckedAgainstTheirIndexedHash() throws Exception {
        // site far's camera: indexed at central, its files only at far's recorder (FarSiteRecorder)
        String cam = "cam-far-" + UUID.randomUUID().toString().substring(0, 8);
        String olga = TestTokens.token("olga", "operator", "far");
        Random r = new Random(cam.hashCode());
        List<String> names = new java.util.ArrayList<>();
        try (Connection c = db(); PreparedStatement p = c.prepareStatement(
                "insert into events.segments values (?, ?, 'far', '/far/recordings', ?, ?, ?, 15, ?, ?, 'h264', 640, "
                        + "360)")) {
            for (int i = 0; i < 2; i++) {
                String name = "recording_" + cam + "_2026112" + i + "T100000.000Z.avi";
                byte[] data = new byte[300_000];
                r.nextBytes(data);
                FarSiteRecorder.FILES.put(name, data);
                names.add(name);
                p.setString(1, cam + "-" + i);
                p.setString(2, cam);
                p.setString(3, "far/" + cam + "/2026-11-20/" + name);
                p.setObject(4, java.time.OffsetDateTime.ofInstant(T0.plusSeconds(60L * i), java.time.ZoneOffset.UTC));
                p.setObject(5, java.time.OffsetDateTime.ofInstant(T0.plusSeconds(60L * i + 60),
                        java.time.ZoneOffset.UTC));
                p.setLong(6, data.length);
                p.setString(7, java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(data)));
                p.executeUpdate();
            }
        }

        // asked directly, not through central's gateway: no grant, so nothing is queued
        create(olga, body(cam, T0, T0.plusSeconds(120))).then().statusCode(409)
                .body("error", equalTo("no_footage_grant")).body("message", containsString("site far"));

        String grant = "grant-" + UUID.randomUUID();
        String id = withGrant(olga, grant, cam);
        assertThat(awaitState(olga, id)).isEqualTo("done");
        assertThat(FarSiteRecorder.AUTHORIZATIONS).contains("Bearer " + grant);
        assertThat(jobs.footageGrant(id)).as("the grant is gone once the job ended").isEmpty();
        byte[] zip = given().auth().oauth2(olga).when().get("/api/exports/" + id + "/download").then().statusCode(200)
                .extract().asByteArray();
        Path local = Path.of("target", id + ".zip");
        Files.write(local, zip);
        String pem = given().auth().oauth2(olga).when().get("/api/exports/keys").then().extract().path("publicKeyPem");
        assertThat(ExportVerifier.verify(local, Optional.of(Signing.readPublic(pem))).problems()).isEmpty();
        try (ZipFile z = new ZipFile(local.toFile())) {
            for (String name : names) {
                assertThat(z.getInputStream(z.getEntry("segments/" + cam + "/" + name)).readAllBytes()).as(name)
                        .isEqualTo(FarSiteRecorder.FILES.get(name));
            }
        }
        assertThat(Path.of("target", "exports", id + ".fetch")).as("the fetched copies are gone").doesNotExist();

        // the site hands over something else than it announced: the export fails, saying so, and leaves nothing
        byte[] changed = FarSiteRecorder.FILES.get(names.get(1)).clone();
        changed[1000] ^= 1;
        FarSiteRecorder.FILES.put(names.get(1), changed);
        String bad = withGrant(olga, grant, cam);
        assertThat(awaitState(olga, bad)).isEqualTo("failed");
        given().auth().oauth2(olga).when().get("/api/exports/" + bad).then()
                .body("error", containsString("does not match its index"));
        assertThat(Path.of("target", "exports", bad + ".zip")).doesNotExist();
        assertThat(Path.of("target", "exports", bad + ".zip.partial")).doesNotExist();
        assertThat(Path.of("target", "exports", bad + ".fetch")).doesNotExist();

        // and a file the site no longer has
        FarSiteRecorder.FILES.remove(names.get(1));
        String gone = withGrant(olga, grant, cam);
        assertThat(awaitState(olga, gone)).isEqualTo("failed");
        given().auth().oauth2(olga).when().get("/api/exports/" + gone).then()
                .body("error", containsString("is indexed but missing at site far"));

        // an announcement that names a path, not a segment file, is never fetched nor written
        FarSiteRecorder.FILES.put(names.get(1), changed);
        try (Connection c = db()) {
            c.createStatement().executeUpdate("update events.segments set path = 'far/" + cam
                    + "/../../../etc/passwd' where segment_id = '" + cam + "-1'");
        }
        String crafted = withGrant(olga, grant, cam);
        assertThat(awaitState(olga, crafted)).isEqualTo("failed");
        given().auth().oauth2(olga).when().get("/api/exports/" + crafted).then()
                .body("error", containsString("names no segment file of camera " + cam));
    }

    /** A new export of {@code cam} over two minutes from T0, with a footage grant as central's gateway adds it. */
    private static String withGrant(String token, String grant, String cam) {
        return given().auth().oauth2(token).header("Vigil-Footage-Grant", grant).contentType(ContentType.JSON)
                .body(body(cam, T0, T0.plusSeconds(120))).when().post("/api/exports").then().statusCode(202).extract()
                .path("id");
    }

    private static String awaitState(String token, String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String state = null;
        while (System.nanoTime() < deadline) {
            state = given().auth().oauth2(token).when().get("/api/exports/" + id).then().statusCode(200).extract()
                    .path("state");
            if ("done".equals(state) || "failed".equals(state)) {
                return state;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("export " + id + " still " + state + " after 60 s");
    }

    private static Map<String, Object> body(String cam, Instant from, Instant to) {
        return Map.of("cameras", List.of(cam), "from", from.toString(), "to", to.toString(), "reason",
                "theft at the north gate", "caseId", "CASE-42");
    }

    private static Response create(String token, Map<String, Object> body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body).when().post("/api/exports");
    }

    private static String awaitState(String id, String... states) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String state = null;
        while (System.nanoTime() < deadline) {
            state = given().auth().oauth2(OLGA).when().get("/api/exports/" + id).then().statusCode(200).extract()
                    .path("state");
            if (List.of(states).contains(state)) {
                return state;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("export " + id + " still " + state + " after 60 s");
    }

    @Test
    void aViewerIsRefusedWithTheRoleNeeded() throws Exception {
        String cam = camera("hq", 1, 1000);
        create(VERA, body(cam, T0, T0.plusSeconds(60))).then().statusCode(403)
                .body("requiredRole", equalTo("operator")).body("message", containsString("operator"));
        given().auth().oauth2(VERA).when().get("/api/exports").then().statusCode(403);
        given().auth().oauth2(VERA).when().get("/api/exports/keys").then().statusCode(200)
                .body("fingerprint", containsString("SHA256:"));
    }

    @Test
    void badRequestsAreNamedAndOtherSitesAreNotDisclosed() throws Exception {
        String cam = camera("elsewhere", 1, 1000);
        create(OLGA, body(cam, T0, T0.plusSeconds(60))).then().statusCode(404);
        create(OLGA, Map.of("cameras", List.of(), "from", T0.toString(), "to", T0.plusSeconds(1).toString(),
                "reason", "x y z")).then().statusCode(400).body("field", equalTo("cameras"));
        create(OLGA, Map.of("cameras", List.of(cam), "from", T0.toString(), "to", T0.toString(), "reason", "abc"))
                .then().statusCode(400).body("field", equalTo("to"));
        create(OLGA, Map.of("cameras", List.of(cam), "from", T0.toString(), "to", T0.plusSeconds(9).toString(),
                "reason", "")).then().statusCode(400).body("field", equalTo("reason"));
    }

    @Test
    void aMissingRecordingIsNamedAndNothingIsExported() throws Exception {
        String cam = camera("hq", 2, 1000);
        Files.delete(recordings.resolve(cam + "/recording_" + cam + "_1.avi"));
        create(OLGA, body(cam, T0, T0.plusSeconds(120))).then().statusCode(409)
                .body("error", equalTo("missing_segment"))
                .body("segment", equalTo(cam + "/recording_" + cam + "_1.avi"));
    }

    @Test
    void noRoomOnDiskIs507WithTheFreeSpace() throws Exception {
        String cam = camera("hq", 1, 1000);
        try (Connection c = db()) {
            c.createStatement().executeUpdate("update events.segments set bytes = 1000000000000000 where camera_id = '"
                    + cam + "'");
        }
        create(OLGA, body(cam, T0, T0.plusSeconds(60))).then().statusCode(507)
                .body("error", equalTo("insufficient_storage")).body("freeBytes", org.hamcrest.Matchers.notNullValue());
    }

    @Inject
    org.vigil.export.repository.EvidenceRepository evidence;

    /** Appends an audit row (its chain is not what this test is about). */
    private long auditRow(Connection c, String action, String target) throws Exception {
        try (PreparedStatement a = c.prepareStatement("insert into events.audit_log values ((select coalesce(max(seq), "
                + "0) + 1 from events.audit_log), ?::uuid, now(), 'gateway', 'mallory', ?, ?, null, 'denied', '{}'::jsonb, "
                + "?, ?) returning seq")) {
            a.setString(1, UUID.randomUUID().toString());
            a.setString(2, action);
            a.setString(3, target);
            a.setString(4, "00".repeat(32));
            a.setString(5, "11".repeat(32));
            try (java.sql.ResultSet rs = a.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void aSignInFloodUnderACamerasNameNeverReachesItsAuditExcerptAndACappedExcerptSaysWhatItLeftOut()
            throws Exception {
        String cam = "cam-" + UUID.randomUUID().toString().substring(0, 8);
        long oldest;
        try (Connection c = db()) {
            oldest = auditRow(c, "recording.view", cam); // written before targets were typed: still the camera's
            auditRow(c, "recording.view", "camera:" + cam);
            for (int i = 0; i < 20; i++) { // failed sign-ins with the camera's id as the user name
                auditRow(c, "auth.login", "user:" + cam);
                auditRow(c, "auth.login", cam); // the same, as written before targets were typed
            }
            auditRow(c, "hold.place", "camera:" + cam);
            auditRow(c, "export.create", "export:exp-" + cam);
        }
        var all = evidence.audit(List.of(cam), "exp-" + cam);
        assertThat(all.lines()).extracting(ExportPackage.AuditLine::action)
                .containsExactly("recording.view", "recording.view", "hold.place", "export.create");
        assertThat(all.summary().complete()).isTrue();

        var capped = evidence.audit(List.of(cam), "exp-" + cam, 2);
        assertThat(capped.lines()).extracting(ExportPackage.AuditLine::action).containsExactly("hold.place",
                "export.create");
        assertThat(capped.summary().complete()).isFalse();
        assertThat(capped.summary().omitted()).isEqualTo(2);
        assertThat(capped.summary().omittedFromSeq()).isEqualTo(oldest);
        assertThat(capped.summary().omittedToSeq()).isLessThan(capped.lines().get(0).seq());
    }

    @Test
    void aFinishedExportVerifiesOfflineAndHoldsTheOriginalsBitForBit() throws Exception {
        String cam = camera("hq", 3, 700_000);
        try (Connection c = db()) { // hq's recorder: its clock 7.2 s behind central's, as its heartbeats showed
            c.createStatement().executeUpdate("insert into events.site_nodes (site, node, mirrored, last_seen, last_at, "
                    + "skew_ms, storage_total, storage_free, cameras_recording) values ('hq', 'hq-recorder', true, "
                    + "now(), now() - interval '7.2 seconds', 7200, 1000, 500, 1) on conflict (site, node) do update "
                    + "set skew_ms = 7200");
        }
        Response created = create(OLGA, body(cam, T0, T0.plusSeconds(150)));
        created.then().statusCode(202).body("state", equalTo("queued"));
        String id = created.path("id");
        assertThat(awaitState(id, "done", "failed")).isEqualTo("done");
        given().auth().oauth2(OLGA).when().get("/api/exports/" + id).then().body("percent", equalTo(100))
                .body("sha256", org.hamcrest.Matchers.hasLength(64));

        Response dl = given().auth().oauth2(OLGA).when().get("/api/exports/" + id + "/download");
        dl.then().statusCode(200).contentType("application/zip");
        assertThat(dl.getHeader("X-Export-UTC")).isNotBlank();
        Path zip = Path.of("target", id + ".zip");
        Files.write(zip, dl.asByteArray());
        String pem = given().auth().oauth2(OLGA).when().get("/api/exports/keys").then().extract().path("publicKeyPem");
        ExportVerifier.Report report = ExportVerifier.verify(zip, Optional.of(Signing.readPublic(pem)));
        assertThat(report.problems()).isEmpty();
        assertThat(report.warnings()).anyMatch(w -> w.startsWith("site hq's clock was 7.2 s behind central's"));
        assertThat(report.auditLines()).isEqualTo(3);
        try (ZipFile z = new ZipFile(zip.toFile())) {
            for (int i = 0; i < 3; i++) {
                String name = "segments/" + cam + "/recording_" + cam + "_" + i + ".avi";
                assertThat(z.getInputStream(z.getEntry(name)).readAllBytes()).as(name)
                        .isEqualTo(Files.readAllBytes(recordings.resolve(cam + "/recording_" + cam + "_" + i + ".avi")));
            }
            ExportPackage.Manifest m = Json.read(z.getInputStream(z.getEntry("manifest.json")).readAllBytes(),
                    ExportPackage.Manifest.class);
            assertThat(m.requestedBy()).isEqualTo("olga");
            assertThat(m.reason()).isEqualTo("theft at the north gate");
            assertThat(m.caseId()).isEqualTo("CASE-42");
            assertThat(m.auditExcerpt()).as("the excerpt is whole, and says so").isEqualTo(
                    new ExportPackage.AuditExcerpt(3, true, 0, null, null));
            assertThat(m.timeSync().status()).isEqualTo("unknown");
            assertThat(m.siteClocks()).as("the footage's site and how far its clock was off")
                    .singleElement().satisfies(clock -> {
                        assertThat(clock.site()).isEqualTo("hq");
                        assertThat(clock.skewMs()).isEqualTo(7200);
                        assertThat(clock.skewed()).isTrue();
                    });
            assertThat(m.software().name()).isEqualTo("vigil-export-service");
            String csv = new String(z.getInputStream(z.getEntry("events.csv")).readAllBytes(), StandardCharsets.UTF_8);
            assertThat(csv).contains(cam).contains("'=cmd").contains("person");
            com.fasterxml.jackson.databind.JsonNode bookmarks = Json.mapper().readTree(z.getInputStream(z.getEntry("bookmarks.json")).readAllBytes());
            assertThat(bookmarks).singleElement().satisfies(b -> {
                assertThat(b.path("note").asText()).isEqualTo("van at the gate, plate =HYPERLINK");
                assertThat(b.path("createdBy").asText()).isEqualTo("olga");
                assertThat(b.path("at").asText()).isEqualTo(T0.plusSeconds(40).toString());
            });
            assertThat(m.files()).as("the bookmarks are signed with the rest").anySatisfy(f ->
                    assertThat(f.path()).isEqualTo("bookmarks.json"));
        }
    }

    @Test
    void anMp4CopyIsAddedOnRequestWithTheOriginalsFrames() throws Exception {
        String cam = camera("hq", 2, 1000);
        for (int i = 0; i < 2; i++) { // real video: two 2-second H.264 segments of 15 fps
            TestClips.writeTs(TestClips.h264(2, 15, 320, 240, 15), 15,
                    recordings.resolve(cam + "/recording_" + cam + "_" + i + ".avi"));
        }
        try (Connection c = db()) {
            c.createStatement().executeUpdate("update events.segments set frames = 30, bytes = 1000 where camera_id = '"
                    + cam + "'");
        }
        Map<String, Object> body = new java.util.HashMap<>(body(cam, T0, T0.plusSeconds(120)));
        body.put("includeMp4", true);
        String id = create(OLGA, body).then().statusCode(202).body("includeMp4", equalTo(true)).extract().path("id");
        assertThat(awaitState(id, "done", "failed")).isEqualTo("done");
        Path zip = Path.of("target", id + ".zip");
        Files.write(zip, given().auth().oauth2(OLGA).when().get("/api/exports/" + id + "/download").asByteArray());
        assertThat(ExportVerifier.verify(zip, Optional.empty()).problems()).isEmpty();
        Path mp4 = Path.of("target", id + ".mp4");
        try (ZipFile z = new ZipFile(zip.toFile())) {
            Files.write(mp4, z.getInputStream(z.getEntry("mp4/" + cam + ".mp4")).readAllBytes());
        }
        assertThat(TestClips.decodedFrames(mp4)).as("every original frame, copied").isEqualTo(60);
    }

    @Test
    void exportsAreCancelledQueuedOrRunning() throws Exception {
        String big = camera("hq", 6, 40_000_000);
        String small = camera("hq", 1, 1000);
        String running = create(OLGA, body(big, T0, T0.plusSeconds(360))).then().statusCode(202).extract().path("id");
        String queued = create(OLGA, body(small, T0, T0.plusSeconds(60))).then().statusCode(202).extract().path("id");
        given().auth().oauth2(OLGA).when().post("/api/exports/" + queued + "/cancel").then().statusCode(200)
                .body("state", equalTo("cancelled"));
        awaitState(running, "running", "done");
        given().auth().oauth2(OLGA).when().post("/api/exports/" + running + "/cancel").then().statusCode(200);
        assertThat(awaitState(running, "cancelled", "done")).isEqualTo("cancelled");
        assertThat(Path.of("target/exports", running + ".zip.partial")).doesNotExist();
        assertThat(Path.of("target/exports", running + ".zip")).doesNotExist();
        given().auth().oauth2(OLGA).when().post("/api/exports/" + running + "/cancel").then().statusCode(409);
    }

    @Test
    void jobsLeftRunningByAStopStartAgainOrFailWithTheReason() throws Exception {
        String cam = camera("hq", 1, 1000);
        String again = UUID.randomUUID().toString();
        String givenUp = UUID.randomUUID().toString();
        try (Connection c = db()) {
            for (String[] j : new String[][] {{again, "1"}, {givenUp, "3"}}) {
                c.createStatement().executeUpdate("insert into exports.jobs (id, state, cameras, sites, from_ts, to_ts, "
                        + "reason, requested_by, attempts, bytes_total) values ('" + j[0] + "', 'running', '{" + cam
                        + "}', '{hq}', '" + T0 + "', '" + T0.plusSeconds(60) + "', 'restart test', 'olga', " + j[1]
                        + ", 1000)");
            }
        }
        int[] recovered = jobs.recoverInterrupted(3, Instant.now());
        assertThat(recovered).containsExactly(1, 1);
        given().auth().oauth2(OLGA).when().get("/api/exports/" + givenUp).then().body("state", equalTo("failed"))
                .body("error", containsString("interrupted 3 times"));
        assertThat(awaitState(again, "done", "failed")).isEqualTo("done");
    }

    @Test
    void eventDataExportsAsCsvAndJsonForOperatorsOnly() throws Exception {
        String cam = camera("hq", 1, 1000);
        String q = "?camera=" + cam + "&from=" + T0 + "&to=" + T0.plusSeconds(60);
        Response csv = given().auth().oauth2(OLGA).when().get("/api/exports/events.csv" + q);
        csv.then().statusCode(200).contentType(containsString("text/csv"));
        assertThat(csv.getHeader("X-Export-UTC")).isNotBlank();
        assertThat(csv.asString()).startsWith("event_id,camera_id").contains(cam).contains("'=cmd");
        given().auth().oauth2(OLGA).when().get("/api/exports/events.json" + q).then().statusCode(200)
                .body("[0].cameraId", equalTo(cam));
        given().auth().oauth2(VERA).when().get("/api/exports/events.csv" + q).then().statusCode(403);
        given().auth().oauth2(OLGA).when().get("/api/exports/events.csv?camera=" + cam + "&from=yesterday&to=x").then()
                .statusCode(400).body("field", equalTo("from"));
    }
}
