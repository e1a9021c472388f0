package org.vigil.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.vigil.gateway.GatewayTest.as;
import static org.vigil.gateway.GatewayTest.session;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.contracts.Topics;
import org.vigil.devstack.testing.KafkaTestResource;
import org.vigil.devstack.testing.PostgresTestResource;
import org.vigil.devstack.testing.RedisTestResource;
import org.vigil.devstack.testing.TopicProbe;
import org.vigil.gateway.repository.UserRepository;
import org.vigil.gateway.security.PasswordHasher;

/**
 * The camera API (issue 21, design 0018 §1) on a real broker: what an admin adds, changes, disables, removes and
 * imports reaches the registry topic, checked whole first, for the admin's sites only, each change audited with
 * before and after and never a secret.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
class CameraApiTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    UserRepository users;

    @Inject
    PasswordHasher hasher;

    private GatewayTest.Session nora;

    @BeforeEach
    void accounts() {
        // nora administers north (the test profile's VIGIL_SITES lists north and south); sam administers south
        users.createIfAbsent("nora", hasher.hash("north-admin-pass"), "admin", List.of("north"), "test",
                c -> Uni.createFrom().voidItem());
        users.createIfAbsent("sam", hasher.hash("south-admin-pass"), "admin", List.of("south"), "test",
                c -> Uni.createFrom().voidItem());
        users.createIfAbsent("otto", hasher.hash("north-operator-pass"), "operator", List.of("north"), "test",
                c -> Uni.createFrom().voidItem());
        nora = session("nora", "north-admin-pass");
    }

    private static Map<String, Object> camera(String id, String site, String url) {
        Map<String, Object> c = new HashMap<>();
        c.put("id", id);
        c.put("name", "Camera " + id);
        c.put("site", site);
        c.put("url", url);
        return c;
    }

    private CameraConfig registryRecord(String id, java.util.function.Predicate<CameraConfig> when) {
        return TopicProbe.await(bootstrap, Topics.CAMERAS, Duration.ofSeconds(30), r -> {
            if (!id.equals(r.key()) || r.value() == null) {
                return null;
            }
            CameraConfig c = Json.read(r.value(), CameraConfig.class);
            return when.test(c) ? c : null;
        });
    }

    private AuditEntry audited(String action, String target, Instant since) {
        return audited(action, target, since, e -> true);
    }

    private AuditEntry audited(String action, String target, Instant since,
            java.util.function.Predicate<AuditEntry> also) {
        return TopicProbe.await(bootstrap, Topics.AUDIT, Duration.ofSeconds(30), r -> {
            AuditEntry e = Json.read(r.value(), AuditEntry.class);
            return e.action().equals(action) && target.equals(e.target()) && !e.at().isBefore(since) && also.test(e)
                    ? e : null;
        });
    }

    @Test
    void anAdminAddsChangesDisablesAndRemovesACameraOfTheirSiteAndEachStepReachesTheRegistry() {
        Instant start = Instant.now().minusSeconds(1);
        Map<String, Object> body = camera("api-gate", "north", "rtsp://10.1.0.5:554/main");
        body.put("subStreamUrl", "rtsp://10.1.0.5:554/sub");
        body.put("username", "viewer");
        body.put("zones", List.of(Map.of("name", "drive", "polygon", List.of(Map.of("x", 0.1, "y", 0.2),
                Map.of("x", 0.8, "y", 0.2), Map.of("x", 0.5, "y", 0.9)))));
        body.put("labels", List.of("person", "car"));
        body.put("retentionDays", 14);
        // its own days may shorten what footage of an earlier camera of this id keeps: retention (not running here)
        // must preview that first, so the add waits for a confirmation and nothing is written meanwhile
        String code = as(nora).contentType(ContentType.JSON).body(body).when().post("/api/cameras").then()
                .statusCode(409).body("error", equalTo("confirmation_required"))
                .body("message", org.hamcrest.Matchers.containsString("retention did not answer"))
                .body("wouldDelete", org.hamcrest.Matchers.nullValue()).extract().path("confirm");
        as(nora).when().get("/api/cameras/api-gate").then().statusCode(404);
        as(nora).contentType(ContentType.JSON).body(body).queryParam("confirm", code).when().post("/api/cameras")
                .then().statusCode(201)
                .header("Location", org.hamcrest.Matchers.endsWith("/api/cameras/api-gate"))
                .body("hasPassword", equalTo(false)).body("enabled", equalTo(true)).body("recording", equalTo(true))
                .body("sensitivity", equalTo(0.5f)).body("updatedBy", equalTo("nora"));
        CameraConfig stored = registryRecord("api-gate", c -> true);
        assertThat(stored.site()).isEqualTo("north");
        assertThat(stored.username()).isEqualTo("viewer");
        assertThat(stored.zones()).hasSize(1);
        assertThat(stored.labels()).containsExactly("person", "car");
        assertThat(stored.retentionDays()).isEqualTo(14);
        AuditEntry created = audited("camera.create", "camera:api-gate", start);
        assertThat(created.actor()).isEqualTo("nora");
        assertThat(created.site()).isEqualTo("north");
        assertThat(created.details()).containsKey("after").doesNotContainKey("before");
        assertThat(created.details().get("after")).contains("rtsp://10.1.0.5:554/main").contains("\"hasPassword\"");

        // an operator of north sees it without its addresses; an admin of south does not see it at all
        GatewayTest.Session otto = session("otto", "north-operator-pass");
        String seen = as(otto).when().get("/api/cameras/api-gate").then().statusCode(200).extract().asString();
        assertThat(seen).contains("\"api-gate\"").doesNotContain("rtsp").doesNotContain("viewer");
        as(session("sam", "south-admin-pass")).when().get("/api/cameras/api-gate").then().statusCode(404);

        // changed: a new address and no sub-stream; the id cannot change
        body.put("url", "rtsp://10.1.0.6/main");
        body.remove("subStreamUrl");
        body.put("sensitivity", 0.8);
        as(nora).contentType(ContentType.JSON).body(body).when().put("/api/cameras/api-gate").then().statusCode(200)
                .body("url", equalTo("rtsp://10.1.0.6/main"));
        CameraConfig changed = registryRecord("api-gate", c -> c.url().equals("rtsp://10.1.0.6/main"));
        assertThat(changed.subStreamUrl()).isNull();
        assertThat(changed.sensitivity()).isEqualTo(0.8);
        AuditEntry updated = audited("camera.update", "camera:api-gate", start);
        assertThat(updated.details().get("before")).contains("rtsp://10.1.0.5:554/main");
        assertThat(updated.details().get("after")).contains("rtsp://10.1.0.6/main");
        // shorter days: confirmed, with the preview's outcome in the audit entry; a code for other days is no use
        Map<String, Object> shorter = new HashMap<>(body);
        shorter.put("retentionDays", 7);
        String code7 = as(nora).contentType(ContentType.JSON).body(shorter).when().put("/api/cameras/api-gate").then()
                .statusCode(409).body("error", equalTo("confirmation_required")).extract().path("confirm");
        assertThat(code7).isNotEqualTo(code);
        as(nora).contentType(ContentType.JSON).body(shorter).queryParam("confirm", code).when()
                .put("/api/cameras/api-gate").then().statusCode(409);
        as(nora).contentType(ContentType.JSON).body(shorter).queryParam("confirm", code7).when()
                .put("/api/cameras/api-gate").then().statusCode(200).body("retentionDays", equalTo(7));
        AuditEntry shortened = audited("camera.update", "camera:api-gate", start, e -> e.details().containsKey(
                "confirmed"));
        assertThat(shortened.details()).containsEntry("wouldDelete", "unknown: retention did not answer")
                .containsEntry("confirmed", "true");
        assertThat(registryRecord("api-gate", c -> Integer.valueOf(7).equals(c.retentionDays())).url())
                .isEqualTo("rtsp://10.1.0.6/main");
        // longer days delete nothing sooner: no confirmation
        shorter.put("retentionDays", 30);
        as(nora).contentType(ContentType.JSON).body(shorter).when().put("/api/cameras/api-gate").then().statusCode(200)
                .body("retentionDays", equalTo(30));
        Map<String, Object> renamed = new HashMap<>(body);
        renamed.put("id", "api-gate-2");
        as(nora).contentType(ContentType.JSON).body(renamed).when().put("/api/cameras/api-gate").then().statusCode(400)
                .body("problems.field", hasItem("id"));

        // disabled, then removed: a tombstone, after which the camera is gone
        as(nora).contentType(ContentType.JSON).body(Map.of("enabled", false)).when()
                .put("/api/cameras/api-gate/enabled").then().statusCode(200).body("enabled", equalTo(false));
        registryRecord("api-gate", c -> !c.enabled());
        audited("camera.disable", "camera:api-gate", start);
        as(nora).when().delete("/api/cameras/api-gate").then().statusCode(204);
        TopicProbe.await(bootstrap, Topics.CAMERAS, Duration.ofSeconds(30), r -> "api-gate".equals(r.key())
                && r.value() == null ? r : null);
        as(nora).when().get("/api/cameras/api-gate").then().statusCode(404);
        assertThat(audited("camera.delete", "camera:api-gate", start).details()).containsKey("before");
    }

    @Test
    void eachBadInputGetsA4xxNamingTheFieldAndNothingIsWritten() {
        as(nora).contentType(ContentType.JSON).body(camera("api-taken", "north", "rtsp://10.1.0.7/main")).when()
                .post("/api/cameras").then().statusCode(201);
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("rtsp://10.1.0.8/a b", "url");
        cases.put("gopher://10.1.0.8/", "url");
        cases.put("rtsp://admin:hunter2@10.1.0.8/", "url");
        for (var c : cases.entrySet()) {
            String answer = as(nora).contentType(ContentType.JSON).body(camera("api-bad", "north", c.getKey())).when()
                    .post("/api/cameras").then().statusCode(400).body("problems.field", hasItem(c.getValue()))
                    .extract().asString();
            assertThat(answer).doesNotContain("hunter2").doesNotContain("Exception");
        }
        as(nora).contentType(ContentType.JSON).body(camera("api-taken", "north", "rtsp://10.1.0.8/")).when()
                .post("/api/cameras").then().statusCode(409).body("error", equalTo("duplicate_id"))
                .body("problems.field", hasItem("id"));
        Map<String, Object> bowTie = camera("api-bad", "north", "rtsp://10.1.0.8/");
        bowTie.put("zones", List.of(Map.of("name", "x", "polygon", List.of(Map.of("x", 0.1, "y", 0.1),
                Map.of("x", 0.9, "y", 0.9), Map.of("x", 0.9, "y", 0.1), Map.of("x", 0.1, "y", 0.9)))));
        bowTie.put("masks", List.of(Map.of("name", "y", "polygon", List.of(Map.of("x", 0.1, "y", 0.1),
                Map.of("x", 1.5, "y", 0.1), Map.of("x", 0.5, "y", 0.5)))));
        as(nora).contentType(ContentType.JSON).body(bowTie).when().post("/api/cameras").then().statusCode(400)
                .body("problems.field", equalTo(List.of("zones[0].polygon", "masks[0].polygon[1]")));
        // a site that does not exist, held by an admin of every site: unknown, named as such
        as(session("admin", "correct-horse-battery")).contentType(ContentType.JSON)
                .body(camera("api-bad", "atlantis", "rtsp://10.1.0.8/")).when().post("/api/cameras").then()
                .statusCode(400).body("problems.field", hasItem("site"));
        // authorisation before validation: another site's camera is refused as such, however bad the rest
        as(nora).contentType(ContentType.JSON).body(camera("API BAD", "south", "nonsense")).when().post("/api/cameras")
                .then().statusCode(403).body("error", equalTo("forbidden"));
        as(session("otto", "north-operator-pass")).contentType(ContentType.JSON)
                .body(camera("api-bad", "north", "rtsp://10.1.0.8/")).when().post("/api/cameras").then().statusCode(403);
        as(nora).when().get("/api/cameras/api-bad").then().statusCode(404);
    }

    @Test
    void fiveHundredCamerasImportAtOnceListInPagesAndExportWithoutSecrets() {
        StringBuilder csv = new StringBuilder("id,name,site,url,labels\n");
        for (int i = 0; i < 500; i++) {
            csv.append(String.format("bulk-%03d,Bulk camera %d,north,rtsp://10.2.%d.%d/main,person;car%n", i, i,
                    i / 250, 1 + i % 250));
        }
        as(nora).contentType("text/csv").body(csv.toString()).when().post("/api/cameras.csv").then().statusCode(200)
                .body("created", equalTo(500)).body("updated", equalTo(0));
        registryRecord("bulk-499", c -> true);

        Response page = as(nora).queryParam("q", "BULK camera 4").queryParam("page", 2).queryParam("size", 40).when()
                .get("/api/cameras");
        page.then().statusCode(200).header("X-Total-Count", "111"); // "Bulk camera 4", 40-49, 400-499
        List<String> ids = page.jsonPath().getList("id");
        assertThat(ids).hasSize(40).first().isEqualTo("bulk-429");
        as(nora).when().get("/api/cameras?size=501").then().statusCode(400);

        String exported = as(nora).when().get("/api/cameras.csv").then().statusCode(200)
                .contentType(org.hamcrest.Matchers.startsWith("text/csv")).extract().asString();
        assertThat(exported.lines().filter(l -> l.startsWith("bulk-")).count()).isEqualTo(500);
        assertThat(exported.lines().findFirst()).hasValue("id,name,site,url,sub_stream_url,username,enabled,recording,"
                + "sensitivity,min_object_area,labels,retention_days,zones,masks");
        // the same file again: every camera replaced, none added
        as(nora).contentType("text/csv").body(csv.toString()).when().post("/api/cameras.csv").then().statusCode(200)
                .body("created", equalTo(0)).body("updated", equalTo(500));
    }

    @Test
    void anImportThatShortensWhatCamerasKeepWaitsForOneConfirmationOfTheWholeFile() {
        String csv = """
                id,name,site,url,retention_days
                keep-1,One,north,rtsp://10.4.0.1/,3
                keep-2,Two,north,rtsp://10.4.0.2/,
                keep-3,Three,north,rtsp://10.4.0.3/,5
                """;
        Response r = as(nora).contentType("text/csv").body(csv).when().post("/api/cameras.csv");
        r.then().statusCode(409).body("error", equalTo("confirmation_required"))
                .body("message", org.hamcrest.Matchers.containsString("2 cameras"));
        as(nora).when().get("/api/cameras/keep-2").then().statusCode(404); // nothing of the file was written
        as(nora).contentType("text/csv").body(csv).queryParam("confirm", r.jsonPath().getString("confirm")).when()
                .post("/api/cameras.csv").then().statusCode(200).body("created", equalTo(3));
        assertThat(registryRecord("keep-3", c -> true).retentionDays()).isEqualTo(5);
        // the same file again changes no camera's days: nothing to confirm
        as(nora).contentType("text/csv").body(csv).when().post("/api/cameras.csv").then().statusCode(200)
                .body("updated", equalTo(3));
    }

    @Test
    void anImportWithABadRowIsRefusedWholeListingEveryFailingRowAndColumn() {
        String csv = """
                id,name,site,url,sensitivity
                imp-1,One,north,rtsp://10.3.0.1/,0.5
                imp-2,Two,north,ftp://10.3.0.2/,0.5
                imp-3,Three,narnia,rtsp://10.3.0.3/,2
                imp-1,Again,north,rtsp://10.3.0.4/,0.5
                """;
        Response r = as(nora).contentType("text/csv").body(csv).when().post("/api/cameras.csv");
        r.then().statusCode(400).body("error", equalTo("invalid_csv"));
        List<String> cells = r.jsonPath().getList("problems", Map.class).stream()
                .map(p -> p.get("row") + ":" + p.get("column")).toList();
        assertThat(cells).containsExactly("5:id");
        // with the duplicate gone, the rules name every other failing cell (for an admin of every site: narnia is
        // no site of nora's, so hers is refused before any check, below)
        r = as(session("admin", "correct-horse-battery")).contentType("text/csv")
                .body(csv.replace("imp-1,Again", "imp-4,Again")).when().post("/api/cameras.csv");
        r.then().statusCode(400);
        cells = r.jsonPath().getList("problems", Map.class).stream().map(p -> p.get("row") + ":" + p.get("column"))
                .toList();
        assertThat(cells).containsExactly("3:url", "4:site", "4:sensitivity");
        as(nora).when().get("/api/cameras/imp-1").then().statusCode(404); // nothing of the file was applied
        // a row on a site the admin does not hold refuses the whole file before any other check
        r = as(nora).contentType("text/csv").body("id,name,site,url\nimp-5,Five,north,rtsp://10.3.0.5/\n"
                + "imp-6,Six,south,bad\n").when().post("/api/cameras.csv");
        r.then().statusCode(403);
        assertThat(r.jsonPath().getList("problems", Map.class)).extracting(p -> p.get("row") + ":" + p.get("column"))
                .containsExactly("3:site");
        as(nora).when().get("/api/cameras/imp-5").then().statusCode(404);
    }

    @Test
    void aProbeIsCheckedAsASaveWouldBeAuditedAndSaysWhenNoCaptureInstanceOfTheSiteAnswers() {
        Instant since = Instant.now();
        // checked as a camera to be stored: the field named, nothing opened
        as(nora).contentType(ContentType.JSON).body(camera("probe-bad", "north", "file:/etc/passwd")).when()
                .post("/api/cameras/probe").then().statusCode(400).body("problems.field", hasItem("url"));
        as(nora).contentType(ContentType.JSON).body(camera("probe-bad", "south", "rtsp://10.2.0.8/")).when()
                .post("/api/cameras/probe").then().statusCode(403);
        as(session("otto", "north-operator-pass")).contentType(ContentType.JSON)
                .body(camera("probe-bad", "north", "rtsp://10.1.0.8/")).when().post("/api/cameras/probe").then()
                .statusCode(403);
        // the site's capture instance (VIGIL_CAPTURE_URL; nothing listens in this test) does not answer
        Map<String, Object> cam = camera("probe-north", "north", "rtsp://10.1.0.9/main");
        cam.put("username", "viewer");
        cam.put("password", "probe-secret-pw");
        String answer = as(nora).contentType(ContentType.JSON).body(cam).when().post("/api/cameras/probe").then()
                .statusCode(503).body("error", equalTo("unavailable"))
                .body("message", org.hamcrest.Matchers.containsString("no capture instance of site north answered"))
                .extract().asString();
        assertThat(answer).doesNotContain("probe-secret-pw");
        AuditEntry probed = audited("camera.probe", "camera:probe-north", since);
        assertThat(probed.site()).isEqualTo("north");
        assertThat(new String(Json.write(probed), java.nio.charset.StandardCharsets.UTF_8)).contains("rtsp://10.1.0.9/main").doesNotContain("probe-secret-pw");
        // a remote site of the site directory whose capture instance is not listed: probed from there, not here
        as(session("admin", "correct-horse-battery")).contentType(ContentType.JSON)
                .body(camera("probe-far", "far", "rtsp://10.9.0.9/main")).when().post("/api/cameras/probe").then()
                .statusCode(503).body("message", org.hamcrest.Matchers.containsString("VIGIL_SITE_CAPTURES"));
        // nothing was stored
        as(nora).when().get("/api/cameras/probe-north").then().statusCode(404);
    }

    @Test
    void concurrentAddsOfOneIdStoreItOnceAndOfManyIdsStoreEach() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<Integer>> same = new java.util.ArrayList<>();
            List<java.util.concurrent.Future<Integer>> many = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String other = "api-many-" + i;
                same.add(pool.submit(() -> as(nora).contentType(ContentType.JSON)
                        .body(camera("api-race", "north", "rtsp://10.1.0.20/")).when().post("/api/cameras")
                        .statusCode()));
                many.add(pool.submit(() -> as(nora).contentType(ContentType.JSON)
                        .body(camera(other, "north", "rtsp://10.1.0.21/")).when().post("/api/cameras").statusCode()));
            }
            List<Integer> sameAnswers = new java.util.ArrayList<>();
            for (var f : same) {
                sameAnswers.add(f.get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
            assertThat(sameAnswers).as("one id added 8 times at once").containsOnlyOnce(201)
                    .filteredOn(s -> s != 201).containsOnly(409);
            for (var f : many) {
                assertThat(f.get(60, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(201);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theOpenApiDocumentOnTheManagementPortCoversTheCameraApi() {
        String doc = io.restassured.RestAssured.given().accept("application/json").when()
                .get(org.vigil.devstack.testing.Management.url("/q/openapi?format=json")).then().statusCode(200).extract()
                .asString();
        assertThat(doc).contains("\"/api/cameras\"", "\"/api/cameras/{id}\"", "\"/api/cameras/{id}/enabled\"",
                "\"/api/cameras/{id}/recording\"", "\"/api/cameras.csv\"", "\"/api/cameras/probe\"", "ProbeAnswer",
                "CameraInput", "CameraDetails");
    }

    @Test
    void aPasswordIsSealedForItsCameraAndNeverComesBackOrReachesTheAuditLog() {
        Instant start = Instant.now().minusSeconds(1);
        Map<String, Object> body = camera("api-locked", "north", "rtsp://10.4.0.1/main");
        body.put("username", "svc");
        body.put("password", "Tr0ub4dor&3");
        String answer = as(nora).contentType(ContentType.JSON).body(body).when().post("/api/cameras").then()
                .statusCode(201).body("hasPassword", equalTo(true)).extract().asString();
        assertThat(answer).doesNotContain("Tr0ub4dor");
        String raw = TopicProbe.await(bootstrap, Topics.CAMERAS, Duration.ofSeconds(30), r -> "api-locked".equals(r.key())
                && r.value() != null ? new String(r.value(), java.nio.charset.StandardCharsets.UTF_8) : null);
        assertThat(raw).doesNotContain("Tr0ub4dor");
        CameraConfig stored = Json.read(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8), CameraConfig.class);
        assertThat(stored.passwordSealed()).startsWith("v1.");
        // sealed for this camera: capture, holding the same key, opens it
        org.vigil.runtime.secrets.CameraKey key = org.vigil.runtime.secrets.CameraKey.load(
                java.nio.file.Path.of("target/test-keys/camera.key"));
        assertThat(key.open("api-locked", stored.passwordSealed())).isEqualTo("Tr0ub4dor&3");
        assertThat(audited("camera.create", "camera:api-locked", start).details().toString()).doesNotContain("Tr0ub4dor")
                .contains("\"hasPassword\":true");
        assertThat(as(nora).when().get("/api/cameras.csv").then().extract().asString()).doesNotContain("Tr0ub4dor")
                .doesNotContain(stored.passwordSealed());

        // a change without a password keeps it; an empty one removes it
        body.remove("password");
        body.put("name", "Locked door");
        as(nora).contentType(ContentType.JSON).body(body).when().put("/api/cameras/api-locked").then().statusCode(200)
                .body("hasPassword", equalTo(true));
        assertThat(registryRecord("api-locked", c -> c.name().equals("Locked door")).passwordSealed())
                .isEqualTo(stored.passwordSealed());
        body.put("password", "");
        as(nora).contentType(ContentType.JSON).body(body).when().put("/api/cameras/api-locked").then().statusCode(200)
                .body("hasPassword", equalTo(false));
        assertThat(registryRecord("api-locked", c -> c.passwordSealed() == null).username()).isEqualTo("svc");
        body.put("password", "bad\u0000password");
        as(nora).contentType(ContentType.JSON).body(body).when().put("/api/cameras/api-locked").then().statusCode(400)
                .body("problems.field", hasItem("password"));
    }
}
