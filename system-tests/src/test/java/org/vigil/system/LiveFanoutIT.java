package org.vigil.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.Json;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.Topics;
import org.vigil.devstack.testing.JavaCommand;
import org.vigil.devstack.testing.ServiceProcesses;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.devstack.testing.TestTokens;
import org.vigil.devstack.testing.TopicProbe;

/**
 * Fan-out across gateway instances: one event service, two gateways (separate JVMs on the same Redis), a client of
 * site north on the first and one of site south on the second. Each receives exactly its site's events, each once,
 * after a snapshot of its site.
 */
class LiveFanoutIT {

    private static final int PER_SITE = 25;
    private final List<Process> processes = new ArrayList<>();
    /** Each started service's management port, by its HTTP port. */
    private final Map<Integer, Integer> management = new HashMap<>();

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
    }

    private Process start(String service, int port, Map<String, String> env) throws Exception {
        Path jar = Stack.root().resolve(service + "/target/quarkus-app/quarkus-run.jar");
        assertThat(jar).as(service + " is built").exists();
        Path log = Path.of("target", "fanout-" + service + "-" + port + ".log").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder(JavaCommand.of("-Xmx256m",
                "-XX:+UseSerialGC", "-jar", jar.toString())).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        int managementPort = SharedServers.freePort();
        management.put(port, managementPort);
        pb.environment().put("QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort));
        Process p = pb.start();
        processes.add(p);
        return p;
    }


    /** A client that keeps every text message. */
    private static final class Client implements WebSocket.Listener {
        final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                messages.add(partial.toString());
                partial.setLength(0);
            }
            w.request(1);
            return null;
        }
    }

    @Test
    void twoGatewaysTwoSitesEachClientGetsExactlyItsSitesEventsOnce() throws Exception {
        String bootstrap = SharedServers.kafka().bootstrapServers();
        var pg = SharedServers.postgres();
        var redis = SharedServers.redis();
        Path keys = Path.of("target", "fanout-keys").toAbsolutePath();
        TestTokens.writeSigningKey(keys);
        int gw1 = SharedServers.freePort();
        int gw2 = SharedServers.freePort();
        int events = SharedServers.freePort();
        Map<String, String> common = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap, "DATABASE_URL",
                pg.url(), "REDIS_URL", redis.url(), "VIGIL_KEYS_DIR", keys.toString(),
                "VIGIL_GATEWAY_URL", "http://127.0.0.1:" + gw1, "VIGIL_EVENTS_URL", "http://127.0.0.1:" + events,
                "VIGIL_BOOTSTRAP_ADMIN_PASSWORD", "fanout-admin-password"));
        Process a = start("gateway", gw1, common);
        ServiceProcesses.awaitReady(management.get(gw1), a, Duration.ofSeconds(120));
        Process b = start("gateway", gw2, common);
        Process e = start("event-service", events, common);
        ServiceProcesses.awaitReady(management.get(gw2), b, Duration.ofSeconds(120));
        ServiceProcesses.awaitReady(management.get(events), e, Duration.ofSeconds(120));

        String site1 = "north-" + UUID.randomUUID().toString().substring(0, 6);
        String site2 = "south-" + UUID.randomUUID().toString().substring(0, 6);
        Client north = new Client();
        Client south = new Client();
        HttpClient.newHttpClient().newWebSocketBuilder()
                .header("Authorization", "Bearer " + TestTokens.token("nora", "viewer", site1))
                .buildAsync(URI.create("ws://127.0.0.1:" + gw1 + "/ws"), north).get(10, TimeUnit.SECONDS);
        HttpClient.newHttpClient().newWebSocketBuilder()
                .header("Authorization", "Bearer " + TestTokens.token("sam", "viewer", site2))
                .buildAsync(URI.create("ws://127.0.0.1:" + gw2 + "/ws"), south).get(10, TimeUnit.SECONDS);
        for (Client c : List.of(north, south)) {
            assertThat(type(c.messages.poll(10, TimeUnit.SECONDS))).isEqualTo("hello");
            JsonNode snapshot = Json.mapper().readTree(c.messages.poll(20, TimeUnit.SECONDS));
            assertThat(snapshot.path("type").asText()).as(snapshot.toString()).isEqualTo("snapshot");
            assertThat(snapshot.path("events").isArray()).isTrue();
        }

        List<String> northIds = new ArrayList<>();
        List<String> southIds = new ArrayList<>();
        Instant t0 = Instant.now();
        for (int i = 0; i < PER_SITE; i++) {
            for (String site : List.of(site1, site2)) {
                String id = UUID.randomUUID().toString();
                (site.equals(site1) ? northIds : southIds).add(id);
                TopicProbe.send(bootstrap, Topics.MOTION, "cam-" + site, Json.write(new MotionEvent(1, id,
                        "cam-" + site, site, MotionEvent.Phase.START, t0.plusMillis(i), t0.plusMillis(i), 0.3,
                        List.of(), null)));
            }
        }

        Map<String, Integer> gotNorth = collect(north, PER_SITE);
        Map<String, Integer> gotSouth = collect(south, PER_SITE);
        System.out.printf("north client: %d events, south client: %d events%n", gotNorth.size(), gotSouth.size());
        assertThat(gotNorth.keySet()).containsExactlyInAnyOrderElementsOf(northIds);
        assertThat(gotSouth.keySet()).containsExactlyInAnyOrderElementsOf(southIds);
        assertThat(gotNorth.values()).as("none twice").allMatch(n -> n == 1);
        assertThat(gotSouth.values()).as("none twice").allMatch(n -> n == 1);
    }

    /** Motion event ids and how often each came, until {@code expected} distinct ones and then 2 quiet seconds. */
    private static Map<String, Integer> collect(Client c, int expected) throws Exception {
        Map<String, Integer> got = new HashMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            String m = c.messages.poll(got.size() >= expected ? 2000 : 500, TimeUnit.MILLISECONDS);
            if (m == null) {
                if (got.size() >= expected) {
                    break;
                }
                continue;
            }
            JsonNode n = Json.mapper().readTree(m);
            if (n.isArray()) { // changes come as arrays
                for (JsonNode u : n) {
                    if (u.path("type").asText().equals("motion")) {
                        got.merge(u.path("motion").path("eventId").asText(), 1, Integer::sum);
                    }
                }
            }
        }
        return got;
    }

    private static String type(String json) throws Exception {
        return Json.mapper().readTree(json).path("type").asText();
    }
}
