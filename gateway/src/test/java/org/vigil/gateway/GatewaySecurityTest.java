package org.vigil.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.vigil.gateway.GatewayTest.as;
import static org.vigil.gateway.GatewayTest.session;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.contracts.LiveDemand;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.Topics;
import org.vigil.devstack.testing.KafkaTestResource;
import org.vigil.devstack.testing.PostgresTestResource;
import org.vigil.devstack.testing.RedisTestResource;
import org.vigil.devstack.testing.TopicProbe;
import org.vigil.gateway.GatewayTest.Session;
import org.vigil.gateway.security.Sessions;

/** Sessions, CSRF, origins, user and token administration, and the gateway's answers to bad requests. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
class GatewaySecurityTest {

    private static final String ADMIN_PASSWORD = "correct-horse-battery";

    @Inject
    TestClock clock;

    @Inject
    Pool pool;

    @Inject
    org.vigil.gateway.security.TokenService tokens;

    @Inject
    org.vigil.gateway.security.SessionRegistry sessions;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @TestHTTPResource("/ws")
    URI http;

    private URI ws() {
        return URI.create(http.toString().replaceFirst("^http", "ws"));
    }

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    private static Session admin() {
        return session("admin", ADMIN_PASSWORD);
    }

    /** Creates a local user through the admin API (idempotent across tests). */
    private static void user(String name, String password, String role, List<String> sites) {
        Response r = as(admin()).contentType(ContentType.JSON)
                .body(Map.of("username", name, "password", password, "role", role, "sites", sites))
                .when().post("/api/users");
        assertThat(r.statusCode()).as(r.asString()).isIn(201, 409);
    }

    // ---- CSRF and origins

    @Test
    void aChangeWithTheSessionCookieNeedsTheCsrfHeader() {
        user("csrf-target", "csrf-target-pass", "viewer", List.of("north"));
        Session a = admin();
        Map<String, Object> change = Map.of("sites", List.of("north", "south"));
        // no header: refused before anything runs
        given().cookie("vigil_session", a.token()).cookie("vigil_csrf", a.csrf()).contentType(ContentType.JSON)
                .body(change).when().patch("/api/users/csrf-target").then().statusCode(403)
                .body("error", equalTo("csrf"));
        // a header that is not the cookie's value
        given().cookie("vigil_session", a.token()).cookie("vigil_csrf", a.csrf()).header("X-CSRF-Token", "guess")
                .contentType(ContentType.JSON).body(change).when().patch("/api/users/csrf-target").then()
                .statusCode(403);
        // a cookie and header planted together (e.g. from a sibling subdomain) do not match the session's secret
        given().cookie("vigil_session", a.token()).cookie("vigil_csrf", "planted").header("X-CSRF-Token", "planted")
                .contentType(ContentType.JSON).body(change).when().patch("/api/users/csrf-target").then()
                .statusCode(401);
        as(a).contentType(ContentType.JSON).body(change).when().patch("/api/users/csrf-target").then().statusCode(200)
                .body("sites", equalTo(List.of("north", "south")));
        // bearer callers send nothing ambient, so they need no CSRF header
        String bearer = as(a).contentType(ContentType.JSON).body(Map.of("name", "csrf-free", "role", "admin", "sites",
                List.of("*"))).when().post("/api/tokens").then().statusCode(201).extract().path("token");
        given().header("Authorization", "Bearer " + bearer).contentType(ContentType.JSON)
                .body(Map.of("sites", List.of("north"))).when().patch("/api/users/csrf-target").then().statusCode(200);
    }

    @Test
    void requestsFromAnotherOriginAreRefusedAndCorsIsLimitedToCorsOrigin() {
        given().header("Origin", "http://evil.example").contentType(ContentType.JSON)
                .body(Map.of("username", "admin", "password", ADMIN_PASSWORD)).when().post("/api/auth/login").then()
                .statusCode(403).body("error", equalTo("origin"));
        given().header("Origin", "http://console.example").contentType(ContentType.JSON)
                .body(Map.of("username", "admin", "password", ADMIN_PASSWORD)).when().post("/api/auth/login").then()
                .statusCode(200);
        // preflight: only the configured origin is granted
        Response evil = given().header("Origin", "http://evil.example").header("Access-Control-Request-Method", "PUT")
                .when().options("/api/cameras/x/recording");
        assertThat(evil.getHeader("Access-Control-Allow-Origin")).isNull();
        Response console = given().header("Origin", "http://console.example")
                .header("Access-Control-Request-Method", "PUT").when().options("/api/cameras/x/recording");
        assertThat(console.getHeader("Access-Control-Allow-Origin")).isEqualTo("http://console.example");
        // a WebSocket opened by a page of another origin is refused even with the session cookie
        Session a = admin();
        try {
            HttpClient.newHttpClient().newWebSocketBuilder().header("Cookie", "vigil_session=" + a.token())
                    .header("Origin", "http://evil.example").buildAsync(ws(), new WebSocket.Listener() {
                    }).join();
            throw new AssertionError("a cross-origin WebSocket was accepted");
        } catch (CompletionException e) {
            assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode()).isEqualTo(403);
        }
    }

    // ---- session expiry

    @Test
    void anUnusedSessionEndsAfterTheIdleTime() {
        Session a = admin();
        clock.advance(Duration.ofMinutes(31));
        given().cookie("vigil_session", a.token()).when().get("/api/auth/me").then().statusCode(401);
    }

    @Test
    void aSessionInUseIsRenewedButEndsAtItsAbsoluteLimit() {
        Session a = admin();
        String token = a.token();
        Instant signedIn = clock.instant();
        // used every 20 minutes: renewed each time (a new cookie), so it outlives the 30 minute idle limit...
        while (clock.instant().isBefore(signedIn.plus(Duration.ofHours(8)).minus(Duration.ofMinutes(20)))) {
            clock.advance(Duration.ofMinutes(20));
            Response r = given().cookie("vigil_session", token).when().get("/api/auth/me");
            r.then().statusCode(200);
            String renewed = r.getCookie("vigil_session");
            assertThat(renewed).as("renewed at " + clock.instant()).isNotNull().isNotEqualTo(token);
            assertThat(r.getHeader("Set-Cookie")).containsIgnoringCase("HttpOnly");
            token = renewed;
        }
        // ...but never past 8 hours after sign-in, however busy
        clock.advance(Duration.ofMinutes(21));
        given().cookie("vigil_session", token).when().get("/api/auth/me").then().statusCode(401);
    }

    /** A live socket of a session, and how it ended. */
    private final class Live implements WebSocket.Listener {
        final java.util.concurrent.CompletableFuture<Integer> closed = new java.util.concurrent.CompletableFuture<>();
        final java.util.concurrent.CompletableFuture<String> reason = new java.util.concurrent.CompletableFuture<>();

        @Override
        public void onOpen(WebSocket w) {
            w.request(Long.MAX_VALUE);
        }

        @Override
        public CompletionStage<?> onClose(WebSocket w, int code, String why) {
            closed.complete(code);
            reason.complete(why);
            return null;
        }
    }

    private Live live(Session s) throws Exception {
        Live l = new Live();
        HttpClient.newHttpClient().newWebSocketBuilder().header("Cookie", "vigil_session=" + s.token())
                .buildAsync(ws(), l).get(10, TimeUnit.SECONDS);
        return l;
    }

    /** The session is refused now, and its socket was closed with 4403 within 5 s. */
    private static void endedEverywhere(Session s, Live l, String why) throws Exception {
        given().cookie("vigil_session", s.token()).when().get("/api/auth/me").then().statusCode(401);
        assertThat(l.closed.get(5, TimeUnit.SECONDS)).isEqualTo(4403);
        assertThat(l.reason.get()).contains("session ended");
    }

    @Test
    void aPasswordResetEndsEverySessionAndSocketOfTheUserAtOnce() throws Exception {
        user("resetme", "resetme-password", "viewer", List.of("north"));
        Session first = session("resetme", "resetme-password");
        Session second = session("resetme", "resetme-password");
        Live l = live(first);
        as(admin()).contentType(ContentType.JSON).body(Map.of("password", "resetme-password-2"))
                .when().patch("/api/users/resetme").then().statusCode(200);
        endedEverywhere(first, l, "password changed");
        given().cookie("vigil_session", second.token()).when().get("/api/auth/me").then().statusCode(401);
        session("resetme", "resetme-password-2");
    }

    @Test
    void disablingAUserEndsTheirSessionsAndSocketsAtOnce() throws Exception {
        user("leaver", "leaver-password", "operator", List.of("north"));
        as(admin()).contentType(ContentType.JSON).body(Map.of("disabled", false)).when().patch("/api/users/leaver")
                .then().statusCode(200);
        Session leaver = session("leaver", "leaver-password");
        Live l = live(leaver);
        as(admin()).contentType(ContentType.JSON).body(Map.of("disabled", true)).when().patch("/api/users/leaver")
                .then().statusCode(200).body("disabled", equalTo(true));
        endedEverywhere(leaver, l, "account disabled");
        GatewayTest.login("leaver", "leaver-password").then().statusCode(401);
    }

    @Test
    void aChangeOfRoleOrSitesEndsTheUsersSessions() throws Exception {
        user("mover", "mover-password", "operator", List.of("north"));
        as(admin()).contentType(ContentType.JSON).body(Map.of("role", "operator", "sites", List.of("north")))
                .when().patch("/api/users/mover").then().statusCode(200);
        Session before = session("mover", "mover-password");
        Live l = live(before);
        as(admin()).contentType(ContentType.JSON).body(Map.of("role", "viewer")).when().patch("/api/users/mover")
                .then().statusCode(200);
        endedEverywhere(before, l, "role or sites changed");
        Session after = session("mover", "mover-password");
        as(after).when().get("/api/auth/me").then().statusCode(200).body("role", equalTo("viewer"));
        as(admin()).contentType(ContentType.JSON).body(Map.of("sites", List.of("south"))).when()
                .patch("/api/users/mover").then().statusCode(200);
        given().cookie("vigil_session", after.token()).when().get("/api/auth/me").then().statusCode(401);
    }

    @Test
    void anAdminSignsAUserOutEverywhere() throws Exception {
        user("everywhere-user", "everywhere-password", "viewer", List.of("north"));
        Session s = session("everywhere-user", "everywhere-password");
        Live l = live(s);
        as(admin()).when().post("/api/users/everywhere-user/sessions/end").then().statusCode(200)
                .body("ended", org.hamcrest.Matchers.greaterThanOrEqualTo(1));
        endedEverywhere(s, l, "signed out everywhere");
        user("north-viewer-x", "north-viewer-pass", "viewer", List.of("north"));
        as(session("north-viewer-x", "north-viewer-pass")).when().post("/api/users/admin/sessions/end").then()
                .statusCode(403);
    }

    /** Ends a user's sessions as another gateway would: a stamp on their rows, nothing said to this gateway. */
    private void endElsewhere(String username) {
        pool.preparedQuery("update identity.sessions set ended_at = now(), end_reason = 'signed out everywhere' "
                + "where username = $1 and ended_at is null").execute(io.vertx.mutiny.sqlclient.Tuple.of(username))
                .await().atMost(Duration.ofSeconds(10));
    }

    /** The session is refused within {@code within}, polled (this gateway learns of it by itself). */
    private static void refusedWithin(Session s, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (given().cookie("vigil_session", s.token()).when().get("/api/auth/me").statusCode() != 401) {
            assertThat(System.nanoTime()).as("refused within " + within).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void aSessionEndedByAnotherGatewayIsRefusedHereWithinSecondsWithoutPolling() throws Exception {
        // this gateway listens (design 0032): its safety read comes once a minute, so only the notice is this fast
        awaitListening();
        user("elsewhere-user", "elsewhere-password", "viewer", List.of("north"));
        Session s = session("elsewhere-user", "elsewhere-password");
        Live l = live(s);
        endElsewhere("elsewhere-user");
        refusedWithin(s, Duration.ofSeconds(5));
        assertThat(l.closed.get(5, TimeUnit.SECONDS)).isEqualTo(4403);
        assertThat(sessions.listening()).isTrue();
    }

    @Test
    void endsMadeWhileTheListeningConnectionIsCutAreReadWhenItComesBack() throws Exception {
        awaitListening();
        user("cut-user", "cut-password", "viewer", List.of("north"));
        Session s = session("cut-user", "cut-password");
        // PostgreSQL drops the gateway's listening connection (a restart, a network cut, an admin's kill)
        int killed = pool.query("select pg_terminate_backend(pid) from pg_stat_activity "
                + "where application_name = 'vigil-gateway-sessions'").execute().await().atMost(Duration.ofSeconds(10))
                .rowCount();
        assertThat(killed).as("listening connections found").isEqualTo(1);
        endElsewhere("cut-user");
        refusedWithin(s, Duration.ofSeconds(5));
        awaitListening(); // and it listens again
    }

    private void awaitListening() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!sessions.listening()) {
            assertThat(System.nanoTime()).as("the gateway listens for ended sessions").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void logoutMakesTheOldCookieUselessAtOnce() throws Exception {
        Session a = admin();
        Live l = live(a);
        Response r = as(a).when().post("/api/auth/logout");
        r.then().statusCode(204);
        assertThat(r.getHeaders().getValues("Set-Cookie")).anySatisfy(c -> assertThat(c).startsWith("vigil_session=;")
                .containsIgnoringCase("Max-Age=0")).anySatisfy(c -> assertThat(c).startsWith("vigil_csrf=;"));
        // the old cookie, replayed (as a thief who copied it would), is refused
        given().cookie("vigil_session", a.token()).when().get("/api/auth/me").then().statusCode(401);
        assertThat(l.closed.get(5, TimeUnit.SECONDS)).isEqualTo(4403);
    }

    @Test
    void aSocketIsClosedWithItsCodeWhenTheSessionExpires() throws Exception {
        Session a = admin();
        Live l = live(a);
        clock.advance(Duration.ofMinutes(31));
        assertThat(l.closed.get(10, TimeUnit.SECONDS)).isEqualTo(4401);
        assertThat(l.reason.get()).contains("expired");
    }

    @Test
    void aHalfOpenSocketThatAnswersNoPingIsClosed() throws Exception {
        Session a = admin();
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", http.getPort())) {
            s.setSoTimeout(30_000);
            java.io.OutputStream out = s.getOutputStream();
            java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
            out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + http.getPort() + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\nCookie: vigil_session=" + a.token() + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.readUnsignedByte());
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 101");
            long opened = System.nanoTime();
            int pings = 0;
            // read everything the server sends, answer nothing (not even its pings), until it closes
            while (true) {
                int opcode = in.readUnsignedByte() & 0x0f;
                long len = in.readUnsignedByte() & 0x7f;
                if (len == 126) {
                    len = in.readUnsignedShort();
                } else if (len == 127) {
                    len = in.readLong();
                }
                byte[] payload = new byte[(int) len];
                in.readFully(payload);
                if (opcode == 0x9) {
                    pings++;
                } else if (opcode == 0x8) {
                    int code = ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
                    assertThat(code).isEqualTo(4408);
                    break;
                }
            }
            double seconds = (System.nanoTime() - opened) / 1e9;
            assertThat(pings).as("pings sent before giving up").isGreaterThanOrEqualTo(2);
            assertThat(seconds).as("closed after the silence limit (7 s in tests)").isBetween(6.0, 15.0);
        }
    }

    @Test
    void theSessionTokenIsNoKeyToTheBackends() {
        Session a = admin();
        // the backends' audience is vigil-services; the cookie's token is for the gateway only
        String payload = new String(java.util.Base64.getUrlDecoder().decode(a.token().split("\\.")[1]),
                StandardCharsets.UTF_8);
        assertThat(payload).contains("\"aud\":\"vigil-gateway\"").contains("\"sid\"");
        given().header("Authorization", "Bearer " + a.token()).when().get("/api/auth/me").then().statusCode(401);
    }

    @Test
    void aFootageGrantOpensNothingAtTheGateway() {
        // what an export job holds to fetch a remote site's segments: signed by this gateway, yet another audience
        org.vigil.gateway.security.TokenService.Caller caller = tokens.delegated("ada", "admin", List.of("*"),
                org.vigil.gateway.security.TokenService.Source.LOCAL, java.time.Duration.ofMinutes(5));
        String grant = tokens.footageGrant(caller, java.time.Duration.ofHours(12));
        String payload = new String(java.util.Base64.getUrlDecoder().decode(grant.split("\\.")[1]),
                StandardCharsets.UTF_8);
        assertThat(payload).contains("\"aud\":\"vigil-footage\"").contains("\"sites\":[\"*\"]");
        assertThat(tokens.verify(grant)).as("a grant is no backend token").isEmpty();
        given().header("Authorization", "Bearer " + grant).when().get("/api/auth/me").then().statusCode(401);
        given().header("Authorization", "Bearer " + grant).when().get("/api/cameras").then().statusCode(401);
        // the same caller's backend token, signed by the same key, is taken: only the audience differs
        given().header("Authorization", "Bearer " + caller.token()).when().get("/api/cameras").then().statusCode(200);
    }

    @Test
    void apiTokensOfAnAdminWhoIsDisabledStopWorking() {
        user("token-maker", "token-maker-password", "admin", List.of("*"));
        as(admin()).contentType(ContentType.JSON).body(Map.of("disabled", false)).when()
                .patch("/api/users/token-maker").then().statusCode(200);
        Session maker = session("token-maker", "token-maker-password");
        String secret = as(maker).contentType(ContentType.JSON)
                .body(Map.of("name", "made by a leaver", "role", "viewer", "sites", List.of("north")))
                .when().post("/api/tokens").then().statusCode(201).extract().path("token");
        given().header("Authorization", "Bearer " + secret).when().get("/api/auth/me").then().statusCode(200);
        as(admin()).contentType(ContentType.JSON).body(Map.of("disabled", true)).when()
                .patch("/api/users/token-maker").then().statusCode(200);
        given().header("Authorization", "Bearer " + secret).when().get("/api/auth/me").then().statusCode(401);
    }

    // ---- users and sites

    @Test
    void adminsManageUsersAndOthersCannot() {
        user("norma", "norma-password-1", "operator", List.of("north"));
        Session a = admin();
        as(a).contentType(ContentType.JSON).body(Map.of("username", "norma", "password", "another-password",
                "role", "viewer", "sites", List.of("north"))).when().post("/api/users").then().statusCode(409);
        as(a).contentType(ContentType.JSON).body(Map.of("username", "shorty", "password", "short", "role", "viewer",
                "sites", List.of("north"))).when().post("/api/users").then().statusCode(400)
                .body("error", equalTo("invalid_password"));
        as(a).contentType(ContentType.JSON).body(Map.of("username", "<b>x</b>", "password", "long-enough-pass",
                "role", "viewer", "sites", List.of("north"))).when().post("/api/users").then().statusCode(400);
        as(a).contentType(ContentType.JSON).body(Map.of("username", "bad-role", "password", "long-enough-pass",
                "role", "root", "sites", List.of("north"))).when().post("/api/users").then().statusCode(400);
        String list = as(a).when().get("/api/users").then().statusCode(200).extract().asString();
        assertThat(list).contains("\"norma\"").doesNotContain("argon2").doesNotContain("password");

        Session norma = session("norma", "norma-password-1");
        as(norma).when().get("/api/users").then().statusCode(403).body("error", equalTo("forbidden"))
                .body("message", equalTo("your role (operator) may not GET /api/users"));
        as(norma).contentType(ContentType.JSON).body(Map.of("username", "x2", "password", "long-enough-pass",
                "role", "admin", "sites", List.of("*"))).when().post("/api/users").then().statusCode(403);

        // an admin of one site grants only that site
        user("north-admin", "north-admin-pass", "admin", List.of("north"));
        Session na = session("north-admin", "north-admin-pass");
        as(na).contentType(ContentType.JSON).body(Map.of("username", "south-guard", "password", "long-enough-pass",
                "role", "viewer", "sites", List.of("south"))).when().post("/api/users").then().statusCode(403);
        as(na).contentType(ContentType.JSON).body(Map.of("username", "everywhere", "password", "long-enough-pass",
                "role", "viewer", "sites", List.of("*"))).when().post("/api/users").then().statusCode(403);
        // and sees only the users of their sites
        user("south-only", "south-only-pass", "viewer", List.of("south"));
        assertThat(as(na).when().get("/api/users").then().statusCode(200).extract().asString()).contains("\"norma\"")
                .doesNotContain("south-only").doesNotContain("\"username\":\"admin\"");
        // and cannot lock themselves out
        as(na).contentType(ContentType.JSON).body(Map.of("disabled", true)).when().patch("/api/users/north-admin")
                .then().statusCode(400);
    }

    // ---- API tokens

    @Test
    void apiTokensAreShownOnceStoredHashedAndStopWorkingWhenRevoked() {
        Session a = admin();
        Response created = as(a).contentType(ContentType.JSON)
                .body(Map.of("name", "nightly report", "role", "viewer", "sites", List.of("north")))
                .when().post("/api/tokens");
        created.then().statusCode(201).body("role", equalTo("viewer"));
        String secret = created.path("token");
        String id = created.path("id");
        assertThat(secret).startsWith("vgl_" + id + "_");
        assertThat(as(a).when().get("/api/tokens").then().statusCode(200).extract().asString()).contains(id)
                .doesNotContain(secret.substring(21));
        String stored = pool.preparedQuery("select secret_hash from identity.api_tokens where id = $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(id)).await().atMost(Duration.ofSeconds(10)).iterator()
                .next().getString(0);
        assertThat(stored).isEqualTo(Sessions.hash(secret.substring(21))).doesNotContain(secret.substring(21));

        given().header("Authorization", "Bearer " + secret).when().get("/api/auth/me").then().statusCode(200)
                .body("username", equalTo("token:nightly report")).body("role", equalTo("viewer"))
                .body("source", equalTo("token"));
        // a viewer token may not change anything
        given().header("Authorization", "Bearer " + secret).contentType(ContentType.JSON)
                .body(Map.of("recording", false)).when().put("/api/cameras/any/recording").then().statusCode(403);
        // a wrong secret with a real id
        given().header("Authorization", "Bearer vgl_" + id + "_" + "A".repeat(43)).when().get("/api/auth/me").then()
                .statusCode(401);

        as(a).when().delete("/api/tokens/" + id).then().statusCode(204);
        given().header("Authorization", "Bearer " + secret).when().get("/api/auth/me").then().statusCode(401);
        as(a).when().delete("/api/tokens/" + id).then().statusCode(404);
    }

    @Test
    void theGatewayItselfRefusesRolesBeforeForwarding() {
        user("gate-viewer", "gate-viewer-pass", "viewer", List.of("north"));
        Session v = session("gate-viewer", "gate-viewer-pass");
        // no backend runs in this test: a 403 can only be the gateway's own, a 502 means it was let through
        for (String path : List.of("/api/recorder/storage", "/api/recorder/cameras", "/api/retention/policy",
                "/api/users", "/api/tokens", "/api/sites")) {
            as(v).when().get(path).then().statusCode(403);
        }
        as(v).contentType(ContentType.JSON).body("{}").when().post("/api/exports").then().statusCode(403);
        as(v).when().get("/api/exports/access").then().statusCode(502);
        as(admin()).when().get("/api/exports/access").then().statusCode(502);
        as(v).when().get("/api/recorder/storage/summary").then().statusCode(502);
        as(admin()).when().get("/api/recorder/storage").then().statusCode(502);
        as(admin()).contentType(ContentType.JSON).body("{}").when().post("/api/exports").then().statusCode(502);
    }

    // ---- bad input

    @Test
    void badRequestsGetClearAnswersWithoutStackTraces() {
        Session a = admin();
        String big = "x".repeat(2 * 1024 * 1024);
        given().contentType(ContentType.JSON).body("{\"username\":\"" + big + "\"}").when().post("/api/auth/login")
                .then().statusCode(413);
        for (String path : List.of("/api/nothing-here", "/nothing-here.html", "/api/users/nobody/extra")) {
            String body = as(a).when().get(path).then().statusCode(404).extract().asString();
            assertThat(body).doesNotContain("Exception").doesNotContain("at org.").doesNotContain("at io.");
        }
        String malformed = as(a).contentType(ContentType.JSON).body("{not json").when().post("/api/users").then()
                .statusCode(400).extract().asString();
        assertThat(malformed).doesNotContain("Exception").doesNotContain("at com.");
    }

    @Test
    void everyAnswerCarriesTheSecurityHeaders() {
        for (String path : List.of("/", "/api/auth/providers")) {
            Response r = given().when().get(path);
            assertThat(r.getHeader("Content-Security-Policy")).contains("default-src 'self'")
                    .contains("frame-ancestors 'none'").doesNotContain("unsafe-inline");
            assertThat(r.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
        }
        given().when().get("/api/auth/providers").then().statusCode(200).body("local", equalTo(true))
                .body("oidc.enabled", equalTo(false));
    }

    // ---- dashboard status

    @Test
    void systemStatusSaysWhichServicesAreDownAndThatTimeIsUnknownWithoutAServer() {
        as(admin()).when().get("/api/system/status").then().statusCode(200)
                .body("services.find { it.name == 'gateway' }.status", equalTo("up"))
                .body("services.find { it.name == 'recorder' }.status", equalTo("down"))
                .body("timeSync.status", equalTo("unknown"));
    }

    // ---- live video

    @Test
    void liveVideoGoesOnlyToClientsWatchingACameraOfTheirSite() throws Exception {
        CameraConfig north = new CameraConfig(CameraConfig.VERSION, "live-north", "Gate", "north", "test:", null, true,
                0.5, null, null, Instant.now(), "test");
        TopicProbe.send(bootstrap, Topics.CAMERAS, north.id(), Json.write(north));
        user("north-eyes", "north-eyes-pass", "viewer", List.of("north"));
        user("south-eyes", "south-eyes-pass", "viewer", List.of("south"));
        Frames northClient = new Frames();
        Frames southClient = new Frames();
        WebSocket n = open(session("north-eyes", "north-eyes-pass"), northClient);
        WebSocket s = open(session("south-eyes", "south-eyes-pass"), southClient);
        String watch = "{\"type\":\"watch\",\"cameras\":[\"live-north\",\"no-such-camera\"],"
                + "\"native\":[\"live-north\"]}";
        long deadline0 = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<String> refusedNorth = List.of("live-north");
        while (refusedNorth.contains("live-north") && System.nanoTime() < deadline0) { // the registry has it soon
            n.sendText(watch, true).get(5, TimeUnit.SECONDS);
            refusedNorth = northClient.refused();
        }
        // an unknown camera and another site's are refused alike, and nothing is kept of them
        assertThat(refusedNorth).containsExactly("no-such-camera");
        s.sendText(watch, true).get(5, TimeUnit.SECONDS);
        assertThat(southClient.refused()).containsExactly("live-north", "no-such-camera");
        // shown natively here (no recorder answers in this test): previews are not sent to it, so show them
        n.sendText("{\"type\":\"watch\",\"cameras\":[\"live-north\"]}", true).get(5, TimeUnit.SECONDS);
        assertThat(northClient.refused()).isEmpty();

        byte[] jpeg = {(byte) 0xff, (byte) 0xd8, 1, 2, 3, (byte) 0xff, (byte) 0xd9};
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        ByteBuffer got = null;
        while (got == null && System.nanoTime() < deadline) {
            ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.PREVIEWS, "live-north", jpeg);
            r.headers().add(MediaPacket.H_WALL, "1700000000000000".getBytes(StandardCharsets.US_ASCII));
            r.headers().add(MediaPacket.H_WIDTH, "640".getBytes(StandardCharsets.US_ASCII));
            r.headers().add(MediaPacket.H_HEIGHT, "360".getBytes(StandardCharsets.US_ASCII));
            TopicProbe.send(bootstrap, r);
            got = northClient.frames.poll(1, TimeUnit.SECONDS);
        }
        assertThat(got).as("a frame reached the watching client of the camera's site").isNotNull();
        int n16 = got.getShort() & 0xffff;
        byte[] header = new byte[n16];
        got.get(header);
        JsonNode h = Json.mapper().readTree(header);
        assertThat(h.path("camera").asText()).isEqualTo("live-north");
        assertThat(h.path("wall").asLong()).isEqualTo(1700000000000000L);
        byte[] body = new byte[got.remaining()];
        got.get(body);
        assertThat(body).isEqualTo(jpeg);
        assertThat(southClient.frames).as("another site's viewer gets nothing").isEmpty();
        // capture makes previews only while someone watches them: this gateway holds a lease on the camera's
        LiveDemand lease = TopicProbe.await(bootstrap, Topics.LIVE_DEMAND, Duration.ofSeconds(30),
                r -> previewsDemand(r, "live-north", true));
        assertThat(lease.by()).isEqualTo("gateway-previews");

        // after "watch nothing", frames stop
        n.sendText("{\"type\":\"watch\",\"cameras\":[]}", true).get(5, TimeUnit.SECONDS);
        northClient.frames.clear();
        for (int i = 0; i < 5; i++) {
            TopicProbe.send(bootstrap, new ProducerRecord<>(Topics.PREVIEWS, "live-north", jpeg));
        }
        assertThat(northClient.frames.poll(3, TimeUnit.SECONDS)).isNull();
        // and its last viewer gone, the lease is released at once
        TopicProbe.await(bootstrap, Topics.LIVE_DEMAND, Duration.ofSeconds(30),
                r -> previewsDemand(r, "live-north", false));
        n.abort();
        s.abort();
    }

    /** {@code camera}'s previews lease ({@code held}) or its release in {@code r}, else null. */
    private static LiveDemand previewsDemand(org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]> r,
            String camera, boolean held) {
        LiveDemand d = Json.read(r.value(), LiveDemand.class);
        return d.cameraId().equals(camera) && d.stream().equals(LiveDemand.PREVIEWS) && (d.leaseMillis() > 0) == held
                ? d : null;
    }

    private WebSocket open(Session s, Frames listener) throws Exception {
        return HttpClient.newHttpClient().newWebSocketBuilder().header("Cookie", "vigil_session=" + s.token())
                .buildAsync(ws(), listener).get(10, TimeUnit.SECONDS);
    }

    /** Collects binary messages. */
    private static final class Frames implements WebSocket.Listener {
        final BlockingQueue<ByteBuffer> frames = new LinkedBlockingQueue<>();
        private ByteBuffer partial = ByteBuffer.allocate(0);

        @Override
        public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
            ByteBuffer joined = ByteBuffer.allocate(partial.remaining() + data.remaining());
            joined.put(partial).put(data).flip();
            partial = joined;
            if (last) {
                frames.add(partial);
                partial = ByteBuffer.allocate(0);
            }
            w.request(1);
            return null;
        }

        final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        private StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                texts.add(text.toString());
                text = new StringBuilder();
            }
            w.request(1);
            return null;
        }

        /** The answer to a watch request: the cameras it refused. */
        List<String> refused() throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                String t = texts.poll(1, TimeUnit.SECONDS);
                if (t != null && t.contains("\"type\":\"watching\"")) {
                    List<String> out = new java.util.ArrayList<>();
                    Json.mapper().readTree(t).path("refused").forEach(r -> out.add(r.path("camera").asText()));
                    return out;
                }
            }
            throw new AssertionError("no answer to the watch request");
        }
    }
}
