package org.vigil.devstack.launcher;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.vigil.contracts.Json;

/** Asks a service whether it is ready, on its management port, the way a Kubernetes readiness probe would. */
final class ReadinessProbe {

    /** The answer of {@code /q/health/ready}: ready, or why not. */
    record Result(boolean ready, String detail) {
    }

    private ReadinessProbe() {
    }

    static boolean ready(HttpClient http, int port) {
        return check(http, port).ready();
    }

    static Result check(HttpClient http, int port) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/q/health/ready")).timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                return new Result(true, "ready");
            }
            return new Result(false, "not ready: " + downChecks(r.body()));
        } catch (IOException e) {
            return new Result(false, "not answering on port " + port);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, "interrupted");
        }
    }

    private static String downChecks(String body) {
        try {
            JsonNode root = Json.mapper().readTree(body);
            List<String> down = new ArrayList<>();
            for (JsonNode c : root.path("checks")) {
                if (!"UP".equals(c.path("status").asText())) {
                    down.add(c.path("name").asText());
                }
            }
            return down.isEmpty() ? "status " + root.path("status").asText() : String.join(", ", down) + " down";
        } catch (IOException e) {
            return "unreadable health answer";
        }
    }

    /** What the gateway said to a sign-in. */
    enum SignIn {
        /** The credentials were accepted. */
        ACCEPTED,
        /** The gateway answered that they are wrong (401 or 403). */
        REFUSED,
        /** No answer that says either: a timeout, a refused connection, a server error. */
        NO_ANSWER
    }

    /**
     * Signs in once. The gateway's first sign-in may make its token signing key (seconds of a core on a loaded
     * machine), hence the 30 s.
     */
    static SignIn login(int gatewayPort, String user, String password) {
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            String body = Json.mapper().writeValueAsString(java.util.Map.of("username", user, "password", password));
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort
                    + "/api/auth/login")).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200 ? SignIn.ACCEPTED
                    : r.statusCode() == 401 || r.statusCode() == 403 ? SignIn.REFUSED : SignIn.NO_ANSWER;
        } catch (IOException e) {
            return SignIn.NO_ANSWER;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SignIn.NO_ANSWER;
        }
    }
}
