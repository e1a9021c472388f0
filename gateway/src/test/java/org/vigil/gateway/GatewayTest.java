package org.vigil.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.CameraStatus;
import org.vigil.contracts.Json;
import org.vigil.contracts.LiveUpdate;
import org.vigil.contracts.Topics;
import org.vigil.devstack.testing.ChronyServer;
import org.vigil.devstack.testing.ChronyTestResource;
import org.vigil.devstack.testing.KafkaTestResource;
import org.vigil.devstack.testing.PostgresTestResource;
import org.vigil.devstack.testing.RedisTestResource;
import org.vigil.devstack.testing.TopicProbe;
import org.vigil.gateway.repository.UserRepository;
import org.vigil.gateway.security.PasswordHasher;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = ChronyTestResource.class, restrictToAnnotatedClass = true)
class GatewayTest {

    /** Accounts a test sets up directly: no audit entry with them. */
    private static final Function<SqlConnection, Uni<Void>> NO_AUDIT = c -> Uni.createFrom().voidItem();

    private static final String ADMIN_PASSWORD = "correct-horse-battery";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void exposesEveryMetricOfTheCatalog() {
        assertThat(org.vigil.devstack.testing.MetricsCatalog.awaitMissing("gateway",
                () -> io.restassured.RestAssured.get(org.vigil.devstack.testing.Management.url("/q/metrics")).asString(), java.time.Duration.ofSeconds(60)))
                .as("metrics docs/metrics.md lists for gateway but /q/metrics lacks").isEmpty();
    }

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    UserRepository users;

    @Inject
    PasswordHasher hasher;

    @Inject
    RedisDataSource redis;

    private static final java.util.concurrent.atomic.AtomicInteger ADDRESSES = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * Signs in from an address of its own (the test profile trusts loopback as a proxy): each call is a new client,
     * so one test's failures never throttle another's sign-ins.
     */
    static Response login(String user, String password) {
        int n = ADDRESSES.incrementAndGet();
        return loginFrom("198.18." + (n / 250) + "." + (1 + n % 250), user, password);
    }

    /** Signs in as the client at {@code address}. */
    static Response loginFrom(String address, String user, String password) {
        return given().header("X-Forwarded-For", address).contentType(ContentType.JSON)
                .body(Map.of("username", user, "password", password)).when().post("/api/auth/login");
    }

    private static String sessionCookie(String user, String password) {
        return login(user, password).then().statusCode(200).extract().cookie("vigil_session");
    }

    /** A signed-in browser: its session and CSRF cookies. */
    record Session(String token, String csrf) {
    }

    static Session session(String user, String password) {
        Response r = login(user, password).then().statusCode(200).extract().response();
        return new Session(r.getCookie("vigil_session"), r.getCookie("vigil_csrf"));
    }

    /** A request as the browser's script sends it: both cookies and the CSRF header. */
    static io.restassured.specification.RequestSpecification as(Session s) {
        return given().cookie("vigil_session", s.token()).cookie("vigil_csrf", s.csrf()).header("X-CSRF-Token", s.csrf());
    }

    @Test
    void theFirstAdminSignsInAndGetsAnHttpOnlyStrictSessionCookie() {
        Response r = login("admin", ADMIN_PASSWORD);
        r.then().statusCode(200).body("role", equalTo("admin")).body("sites", equalTo(List.of("*")));
        String setCookie = r.getHeader("Set-Cookie");
        assertThat(setCookie).contains("vigil_session=").containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Strict");
        assertThat(r.asString()).doesNotContain(r.getCookie("vigil_session"));

        given().cookie("vigil_session", r.getCookie("vigil_session")).when().get("/api/auth/me")
                .then().statusCode(200).body("username", equalTo("admin"));
    }

    @Test
    void aWrongPasswordAndAnUnknownUserGetTheSameAnswer() {
        String wrong = login("admin", "not-the-password").then().statusCode(401).extract().asString();
        String unknown = login("nobody", "whatever-password").then().statusCode(401).extract().asString();
        assertThat(wrong).isEqualTo(unknown);
    }

    @Test
    void repeatedFailuresLockTheAccountForThatAddressButNotForTheOwnerElsewhere() {
        users.createIfAbsent("lockme", hasher.hash("right-password-1"), "viewer", List.of("hq"), "test", NO_AUDIT);
        for (int i = 0; i < 4; i++) {
            loginFrom("203.0.113.10", "lockme", "wrong").then().statusCode(401);
        }
        Response locked = loginFrom("203.0.113.10", "lockme", "wrong");
        locked.then().statusCode(429).body("error", equalTo("locked"));
        assertThat(Integer.parseInt(locked.getHeader("Retry-After"))).isBetween(1, 300);
        loginFrom("203.0.113.10", "lockme", "right-password-1").then().statusCode(429);
        // the owner, from another address, is not kept out
        loginFrom("203.0.113.11", "lockme", "right-password-1").then().statusCode(200);
    }

    @Test
    void anUnknownNameIsThrottledExactlyLikeARealAccount() {
        users.createIfAbsent("realname", hasher.hash("right-password-2"), "viewer", List.of("hq"), "test", NO_AUDIT);
        List<Integer> real = new java.util.ArrayList<>();
        List<Integer> madeUp = new java.util.ArrayList<>();
        for (int i = 0; i < 7; i++) {
            real.add(loginFrom("203.0.113.20", "realname", "wrong").statusCode());
            madeUp.add(loginFrom("203.0.113.21", "madeupname", "wrong").statusCode());
        }
        assertThat(real).isEqualTo(madeUp).containsExactly(401, 401, 401, 401, 429, 429, 429);
        assertThat(loginFrom("203.0.113.20", "realname", "wrong").jsonPath().getString("error"))
                .isEqualTo(loginFrom("203.0.113.21", "madeupname", "wrong").jsonPath().getString("error"));
    }

    @Test
    void aSignInBodyMustBeSmallAndSayItsLength() {
        given().contentType(ContentType.JSON).body("{\"username\":\"" + "x".repeat(5000) + "\",\"password\":\"p\"}")
                .when().post("/api/auth/login").then().statusCode(413).body("error", equalTo("too_large"));
        given().contentType(ContentType.JSON).body("{\"username\":").when().post("/api/auth/login").then()
                .statusCode(400);
    }

    @Test
    void theSessionTokenVerifiesAgainstThePublishedKeys() throws Exception {
        String token = sessionCookie("admin", ADMIN_PASSWORD);
        JsonNode jwks = Json.mapper().readTree(given().when().get("/auth/jwks").then().statusCode(200).extract().asString());
        JsonNode key = jwks.path("keys").get(0);
        String[] parts = token.split("\\.");
        JsonNode header = Json.mapper().readTree(Base64.getUrlDecoder().decode(parts[0]));
        assertThat(header.path("kid").asText()).isEqualTo(key.path("kid").asText());
        assertThat(header.path("alg").asText()).isEqualTo("RS256");

        java.security.spec.RSAPublicKeySpec spec = new java.security.spec.RSAPublicKeySpec(
                new java.math.BigInteger(1, Base64.getUrlDecoder().decode(key.path("n").asText())),
                new java.math.BigInteger(1, Base64.getUrlDecoder().decode(key.path("e").asText())));
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initVerify(java.security.KeyFactory.getInstance("RSA").generatePublic(spec));
        s.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(s.verify(Base64.getUrlDecoder().decode(parts[2]))).isTrue();

        JsonNode claims = Json.mapper().readTree(Base64.getUrlDecoder().decode(parts[1]));
        assertThat(claims.path("groups").get(0).asText()).isEqualTo("admin");
        assertThat(claims.path("sites").get(0).asText()).isEqualTo("*");
        // for the gateway alone: the backends get a token of their own (audience vigil-services) per request
        assertThat(claims.path("aud").asText()).isEqualTo("vigil-gateway");
        assertThat(claims.path("sid").asText()).hasSizeGreaterThan(20);
    }

    @Test
    void theApiRejectsRequestsWithoutASessionOrWithAForgedOne() {
        given().when().get("/api/auth/me").then().statusCode(401);
        String token = sessionCookie("admin", ADMIN_PASSWORD);
        String forged = token.substring(0, token.lastIndexOf('.') + 1) + "AAAA" + token.substring(token.lastIndexOf('.') + 5);
        given().cookie("vigil_session", forged).when().get("/api/auth/me").then().statusCode(401);
        given().header("Authorization", "Bearer " + forged).when().get("/api/auth/me").then().statusCode(401);
    }

    @Test
    void anAnonymousWebSocketIsRefused() {
        assertThatThrownByJoin(HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(wsUri(), new WebSocket.Listener() {
                }));
    }

    private static void assertThatThrownByJoin(java.util.concurrent.CompletableFuture<WebSocket> f) {
        try {
            f.join();
            throw new AssertionError("the WebSocket upgrade succeeded without a session");
        } catch (CompletionException e) {
            assertThat(e.getCause()).isInstanceOf(WebSocketHandshakeException.class);
            assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode()).isEqualTo(401);
        }
    }

    @Test
    void aSignedInClientGetsHelloThenTheLiveUpdatesOfItsSitesOnly() throws Exception {
        users.createIfAbsent("hq-viewer", hasher.hash("hq-viewer-password"), "viewer", List.of("hq"), "test", NO_AUDIT);
        String cookie = sessionCookie("hq-viewer", "hq-viewer-password");
        BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().header("Cookie", "vigil_session=" + cookie)
                .buildAsync(wsUri(), new WebSocket.Listener() {
                    private final StringBuilder partial = new StringBuilder();

                    @Override
                    public java.util.concurrent.CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            messages.add(partial.toString());
                            partial.setLength(0);
                        }
                        w.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        try {
            JsonNode hello = Json.mapper().readTree(messages.poll(10, TimeUnit.SECONDS));
            assertThat(hello.path("type").asText()).isEqualTo("hello");
            assertThat(hello.path("user").asText()).isEqualTo("hq-viewer");
            // no event service runs in this test: the snapshot cannot be loaded, and the client is told so
            JsonNode noSnapshot = Json.mapper().readTree(messages.poll(10, TimeUnit.SECONDS));
            assertThat(noSnapshot.path("type").asText()).isEqualTo("status");
            assertThat(noSnapshot.path("live").asText()).isEqualTo("degraded");

            redis.pubsub(String.class).publish(LiveUpdate.channel("branch"), status("cam-b", "branch"));
            redis.pubsub(String.class).publish(LiveUpdate.channel("hq"), status("cam-h", "hq"));

            LiveUpdate first = Json.read(messages.poll(10, TimeUnit.SECONDS).getBytes(StandardCharsets.UTF_8),
                    LiveUpdate.class);
            assertThat(first.site()).isEqualTo("hq");
            assertThat(first.status().cameraId()).isEqualTo("cam-h");
            assertThat(messages.poll(500, TimeUnit.MILLISECONDS)).as("nothing from another site").isNull();
        } finally {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
    }

    @Test
    void signInsAreAudited() {
        login("admin", "definitely-wrong").then().statusCode(401);
        AuditEntry denied = TopicProbe.await(bootstrap, Topics.AUDIT, Duration.ofSeconds(30), r -> {
            AuditEntry a = Json.read(r.value(), AuditEntry.class);
            return a.action().equals("auth.login") && a.outcome().equals("denied") ? a : null;
        });
        assertThat(denied.service()).isEqualTo("gateway");
        assertThat(denied.details()).doesNotContainValue("definitely-wrong");
    }

    private URI wsUri() {
        return URI.create(ws.toString().replaceFirst("^http", "ws"));
    }

    private static String status(String camera, String site) {
        return new String(Json.write(LiveUpdate.of(new CameraStatus(1, camera, site, CameraStatus.State.ONLINE, 15, 640,
                360, "h264", null, "capture-1", Instant.now()))), StandardCharsets.UTF_8);
    }

    @Test
    void anOperatorSwitchesRecordingOnTheirSiteOnlyAndEverySwitchIsAudited() {
        CameraConfig cam = new CameraConfig(CameraConfig.VERSION, "gw-cam", "Gate", "north",
                "rtsp://user:secret@10.0.0.9/stream", null, true, 0.5, null, null, java.time.Instant.now(), "test");
        CameraConfig other = new CameraConfig(CameraConfig.VERSION, "gw-cam-south", "Yard", "south", "test:", null, true,
                0.5, null, null, java.time.Instant.now(), "test");
        TopicProbe.send(bootstrap, Topics.CAMERAS, cam.id(), org.vigil.contracts.Json.write(cam));
        TopicProbe.send(bootstrap, Topics.CAMERAS, other.id(), org.vigil.contracts.Json.write(other));
        users.createIfAbsent("olga", hasher.hash("operator-pass-1"), "operator", List.of("north"), "test", NO_AUDIT);
        users.createIfAbsent("vic", hasher.hash("viewer-pass-1"), "viewer", List.of("north"), "test", NO_AUDIT);
        Session olga = session("olga", "operator-pass-1");
        Session vic = session("vic", "viewer-pass-1");

        // the list: own site only, and never a stream address
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        String list = "";
        while (System.nanoTime() < deadline && !list.contains("gw-cam")) {
            list = as(olga).when().get("/api/cameras").then().statusCode(200).extract()
                    .asString();
        }
        assertThat(list).contains("\"gw-cam\"").doesNotContain("gw-cam-south").doesNotContain("secret")
                .doesNotContain("rtsp");

        java.time.Instant before = java.time.Instant.now();
        as(vic).contentType(ContentType.JSON).body(Map.of("recording", false)).when()
                .put("/api/cameras/gw-cam/recording").then().statusCode(403);
        as(olga).contentType(ContentType.JSON).body(Map.of("recording", false)).when()
                .put("/api/cameras/gw-cam-south/recording").then().statusCode(404);
        as(olga).contentType(ContentType.JSON).body(Map.of("on", "yes")).when()
                .put("/api/cameras/gw-cam/recording").then().statusCode(400);
        as(olga).contentType(ContentType.JSON).body(Map.of("recording", false)).when()
                .put("/api/cameras/gw-cam/recording").then().statusCode(200).body("recording", equalTo(false))
                .body("updatedBy", equalTo("olga"));

        // the registry has the new desired state, everything else unchanged (the recorder and capture read it)
        CameraConfig stored = TopicProbe.await(bootstrap, Topics.CAMERAS, java.time.Duration.ofSeconds(30), r -> {
            CameraConfig c = org.vigil.contracts.Json.read(r.value(), CameraConfig.class);
            return c.id().equals("gw-cam") && !c.recording() ? c : null;
        });
        assertThat(stored.url()).isEqualTo(cam.url());
        assertThat(stored.site()).isEqualTo("north");
        assertThat(stored.updatedBy()).isEqualTo("olga");
        // audited: the switch, and the attempt on another site
        org.vigil.contracts.AuditEntry done = TopicProbe.await(bootstrap, Topics.AUDIT, java.time.Duration.ofSeconds(30),
                r -> {
                    org.vigil.contracts.AuditEntry e = org.vigil.contracts.Json.read(r.value(),
                            org.vigil.contracts.AuditEntry.class);
                    return e.action().equals("camera.recording.set") && e.outcome().equals("success")
                            && "camera:gw-cam".equals(e.target()) && !e.at().isBefore(before) ? e : null;
                });
        assertThat(done.actor()).isEqualTo("olga");
        assertThat(done.details()).containsEntry("recording", "false").containsEntry("was", "true");
        org.vigil.contracts.AuditEntry denied = TopicProbe.await(bootstrap, Topics.AUDIT,
                java.time.Duration.ofSeconds(30), r -> {
                    org.vigil.contracts.AuditEntry e = org.vigil.contracts.Json.read(r.value(),
                            org.vigil.contracts.AuditEntry.class);
                    return e.action().equals("camera.recording.set") && e.outcome().equals("denied")
                            && "camera:gw-cam-south".equals(e.target()) ? e : null;
                });
        assertThat(denied.actor()).isEqualTo("olga");
    }

    @Test
    void recorderCallsArePassedOnOnlyWithASession() {
        // anonymous: refused by the gateway itself, nothing is forwarded
        given().when().get("/api/recorder/storage").then().statusCode(401);
        // with a session, forwarded; no recorder runs in this test, so the gateway says which service is missing
        String admin = sessionCookie("admin", ADMIN_PASSWORD);
        given().cookie("vigil_session", admin).when().get("/api/recorder/storage").then().statusCode(502)
                .body("error", equalTo("bad_gateway"));
    }

    @Test
    void aRemoteSitesFootageGoesToItsRecorderAndAnUnreachableOneIsNamedWithoutTellingOthersAnything() {
        // the test profile's site directory lists site "far" with a recorder at a port where nothing answers
        CameraConfig far = new CameraConfig(CameraConfig.VERSION, "far-cam", "Quay", "far", "test:", null, true, 0.5,
                null, null, java.time.Instant.now(), "test");
        TopicProbe.send(bootstrap, Topics.CAMERAS, far.id(), org.vigil.contracts.Json.write(far));
        users.createIfAbsent("nico", hasher.hash("viewer-pass-2"), "viewer", List.of("north"), "test", NO_AUDIT);
        Session nico = session("nico", "viewer-pass-2");
        String admin = sessionCookie("admin", ADMIN_PASSWORD);
        String clip = "/api/recorder/playback/far-cam.mp4?from=2026-12-05T10:00:00Z&to=2026-12-05T10:01:00Z";
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        int status = 0;
        while (System.nanoTime() < deadline && status != 503) { // until the gateway's registry has the camera
            status = given().cookie("vigil_session", admin).when().get(clip).then().extract().statusCode();
        }
        given().cookie("vigil_session", admin).when().get(clip).then().statusCode(503)
                .header("Retry-After", "10").body("error", equalTo("site_unreachable")).body("site", equalTo("far"))
                .body("message", containsString("the recorder of site far is unreachable"));
        // a request naming the site goes to the site's recorder too; one naming none, to VIGIL_RECORDER_URL's
        given().cookie("vigil_session", admin).when().get("/api/recorder/storage?site=far").then().statusCode(503)
                .body("site", equalTo("far"));
        given().cookie("vigil_session", admin).when().get("/api/recorder/storage").then().statusCode(502);
        // a user of another site learns nothing of site far's state: refused before it is asked
        as(nico).when().get(clip).then().statusCode(403).body("message", equalTo("no access to site far"));
        as(nico).when().get("/api/recorder/storage?site=far").then().statusCode(403);
    }

    /** A WebSocket client collecting text messages; it reads only while {@code reading} is set. */
    private static final class Collector implements WebSocket.Listener {
        final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        final java.util.concurrent.CompletableFuture<Integer> closed = new java.util.concurrent.CompletableFuture<>();
        volatile boolean reading = true;
        private final StringBuilder partial = new StringBuilder();
        private volatile WebSocket socket;

        @Override
        public void onOpen(WebSocket w) {
            socket = w;
            w.request(1);
        }

        @Override
        public java.util.concurrent.CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                messages.add(partial.toString());
                partial.setLength(0);
            }
            if (reading) {
                w.request(1);
            }
            return null;
        }

        @Override
        public java.util.concurrent.CompletionStage<?> onClose(WebSocket w, int code, String reason) {
            closed.complete(code);
            return null;
        }

        void readAgain() {
            reading = true;
            socket.request(Long.MAX_VALUE);
        }
    }

    private Collector connect(String user, String site) throws Exception {
        users.createIfAbsent(user, hasher.hash(user + "-password"), "viewer", List.of(site), "test", NO_AUDIT);
        String cookie = sessionCookie(user, user + "-password");
        Collector c = new Collector();
        HttpClient.newHttpClient().newWebSocketBuilder().header("Cookie", "vigil_session=" + cookie)
                .buildAsync(wsUri(), c).get(10, TimeUnit.SECONDS);
        assertThat(c.messages.poll(10, TimeUnit.SECONDS)).contains("\"hello\"");
        assertThat(c.messages.poll(10, TimeUnit.SECONDS)).contains("\"degraded\"");
        return c;
    }

    @Test
    void aClientThatDoesNotReadIsClosedWithTooSlowInsteadOfGrowingMemory() throws Exception {
        Collector slow = connect("slow-reader", "slow");
        slow.reading = false;
        // large messages reach the 16 MB bound in about sixty: well within the 7 s after which a client that reads
        // nothing (and so answers no ping either) is closed as silent instead, even on a loaded machine (with 64 kB
        // messages, a few hundred published through Redis took longer than that beside the suite's other lanes)
        String filler = "x".repeat(256_000);
        String before = given().when().get(org.vigil.devstack.testing.Management.url("/q/metrics")).then().extract().asString();
        for (int i = 0; i < 500 && !slow.closed.isDone(); i++) {
            redis.pubsub(String.class).publish(LiveUpdate.channel("slow"), "{\"v\":1,\"type\":\"status\","
                    + "\"site\":\"slow\",\"n\":" + i + ",\"pad\":\"" + filler + "\"}");
            if (i % 25 == 0 && dropped() > droppedIn(before)) {
                break;
            }
        }
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        while (dropped() <= droppedIn(before) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(dropped()).as("the gateway dropped the slow client").isGreaterThan(droppedIn(before));
        slow.readAgain();
        assertThat(slow.closed.get(30, TimeUnit.SECONDS)).isEqualTo(4008);
    }

    private double dropped() {
        return droppedIn(given().when().get(org.vigil.devstack.testing.Management.url("/q/metrics")).then().extract().asString());
    }

    private static double droppedIn(String metrics) {
        return metrics.lines().filter(l -> l.startsWith("vigil_gateway_websocket_dropped_total{")
                && l.contains("reason=\"too_slow\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void whenRedisGoesAwayClientsAreToldAndTheFeedComesBackByItselfWithoutDuplicates() throws Exception {
        Collector c = connect("outage-viewer", "outage");
        var server = org.vigil.devstack.testing.SharedServers.redis();
        server.close();
        try {
            assertThat(next(c, "degraded")).contains("paused");
        } finally {
            server.start();
        }
        next(c, "restored");
        String update = status("cam-o", "outage");
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        String got = null;
        while (got == null && System.nanoTime() < deadline) {
            redis.pubsub(String.class).publish(LiveUpdate.channel("outage"), update);
            got = c.messages.poll(500, TimeUnit.MILLISECONDS);
            while (got != null && !got.contains("cam-o")) {
                got = c.messages.poll(500, TimeUnit.MILLISECONDS);
            }
        }
        assertThat(got).as("relayed again after the outage").contains("cam-o");
        // each publish arrives once: nothing relayed twice by an old and a new subscription
        redis.pubsub(String.class).publish(LiveUpdate.channel("outage"), status("cam-once", "outage"));
        int seen = 0;
        String m;
        while ((m = c.messages.poll(1500, TimeUnit.MILLISECONDS)) != null) {
            if (m.contains("cam-once")) {
                seen++;
            }
        }
        assertThat(seen).isEqualTo(1);
    }

    /** The next message containing {@code text}, skipping others (deadline 30 s). */
    private static String next(Collector c, String text) throws Exception {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            String m = c.messages.poll(500, TimeUnit.MILLISECONDS);
            if (m != null && m.contains(text)) {
                return m;
            }
        }
        throw new AssertionError("no message containing " + text);
    }

    @Test
    void managementEndpointsAreNeverOnThePublicPort() {
        for (String path : List.of("/q/metrics", "/q/health", "/q/health/ready", "/q/health/live", "/q/openapi",
                "/health/ready")) {
            given().when().get(path).then().statusCode(404);
        }
        given().when().get(org.vigil.devstack.testing.Management.url("/q/health/live")).then().statusCode(200);
        given().when().get(org.vigil.devstack.testing.Management.url("/q/metrics")).then().statusCode(200);
    }

    @Test
    void healthReadyReportsTimeSyncAndEachDependency() {
        org.junit.jupiter.api.Assumptions.assumeTrue(ChronyServer.available(),
                "chronyd is not installed (apt-get install chrony); .ci/run installs it");
        Response r = given().when().get(org.vigil.devstack.testing.Management.url("/health/ready")).then()
                .statusCode(200).contentType(ContentType.JSON)
                .body("status", equalTo("UP")).body("time_sync_status", equalTo("synced")).extract().response();
        List<String> names = r.jsonPath().getList("checks.name");
        assertThat(names).contains("time-sync", "live-relay");
        assertThat(names).anySatisfy(n -> assertThat(n.toLowerCase()).contains("kafka"));
        assertThat(names).anySatisfy(n -> assertThat(n.toLowerCase()).contains("redis"));
        assertThat(names).anySatisfy(n -> assertThat(n.toLowerCase()).contains("database"));
        assertThat(r.jsonPath().getString("checks.find { it.name == 'time-sync' }.data.ntp_server"))
                .startsWith("127.0.0.1:");
    }
}
