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

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.contracts.Topics;
import org.vigil.contracts.Zone;
import org.vigil.devstack.testing.TopicProbe;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The system as operators meet it, on two sites: {@code cam-a} on site-a (from CAMERA_SOURCES) and {@code cam-b} on
 * site-b (added to the registry, with markup in its name). First the access matrix: every endpoint, through the
 * gateway and on each backend directly, for each role, on the caller's own site and on the other.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorUiIT {

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final String HOSTILE_NAME = "<img src=x onerror=\"window.pwned=1\">Yard & Co";
    static Stack stack;
    static String admin;
    static final Map<String, String> tokens = new LinkedHashMap<>();

    @BeforeAll
    static void up() throws Exception {
        Path home = Path.of("target", "ui-it-home").toAbsolutePath();
        WholeStackIT.deleteTree(home);
        stack = new Stack(home, Map.of("CAMERA_SOURCES", "cam-a=test:", "CAMERA_SITE", "site-a",
                "VIGIL_RECORDER_SEGMENT_LENGTH", "4s")).start(Duration.ofMinutes(4));
        admin = login("admin", stack.adminPassword);
        List<Zone> clockMask = List.of(new Zone("clock", List.of(new Zone.Point(0, 0), new Zone.Point(1, 0),
                new Zone.Point(1, 0.12), new Zone.Point(0, 0.12))));
        CameraConfig camB = new CameraConfig(CameraConfig.VERSION, "cam-b", HOSTILE_NAME, "site-b", "test:", null,
                true, 0.5, List.of(), clockMask, Instant.now(), "test");
        TopicProbe.send("127.0.0.1:" + stack.port("KAFKA_PORT"), Topics.CAMERAS, camB.id(), Json.write(camB));
        for (String role : AccessMatrix.ROLES) {
            createUser("matrix-" + role, role, "site-a");
            tokens.put(role, login("matrix-" + role, "matrix-password-" + role));
        }
        createUser("matrix-target", "viewer", "site-a");
        createUser("viewer-b", "viewer", "site-b");
    }

    @AfterAll
    static void down() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

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
                            URLEncoder.encode(to, StandardCharsets.UTF_8));
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
    void listsNeverShowAnotherSite() throws Exception {
        for (String role : AccessMatrix.ROLES) {
            String token = tokens.get(role);
            for (String[] call : new String[][] {{"gateway", "/api/cameras"}, {"gateway", "/api/events"},
                    {"gateway", "/api/segments?camera=cam-b"}, {"capture", "/api/capture/cameras"},
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
}
