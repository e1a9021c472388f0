package org.vigil.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vigil.devstack.testing.JavaCommand;
import org.vigil.devstack.testing.ServiceProcesses;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.devstack.testing.TestTokens;

/**
 * The gateway as an attacker on the network meets it: its own JVM with the heap and out-of-memory exit of
 * {@code ./vigil up}, default settings (no trusted proxy), real Kafka, PostgreSQL and Redis. Floods of sign-ins, oversized
 * and slow requests, and huge headers; after each, the gateway is ready and a signed-in user is served.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FrontDoorIT {

    static final String ADMIN_PASSWORD = "front-door-admin-pass";
    private static Process gateway;
    private static int port;
    private static int management;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newFixedThreadPool(8)).connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        port = SharedServers.freePort();
        management = SharedServers.freePort();
        Path keys = Path.of("target", "front-door-keys").toAbsolutePath();
        TestTokens.writeSigningKey(keys);
        Path jar = Stack.root().resolve("gateway/target/quarkus-app/quarkus-run.jar");
        // a database of its own, so that the first admin is this test's (other tests share the server)
        var pg = SharedServers.postgres();
        String dbUrl = pg.freshDatabase("front_door");
        ProcessBuilder pb = new ProcessBuilder(JavaCommand.of("-Xmx256m",
                "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-jar", jar.toString())).redirectErrorStream(true)
                .redirectOutput(Path.of("target", "front-door-gateway.log").toFile());
        Map<String, String> env = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS",
                SharedServers.kafka().bootstrapServers(), "DATABASE_URL", dbUrl,
                "REDIS_URL", SharedServers.redis().url(), "VIGIL_KEYS_DIR", keys.toString(),
                "VIGIL_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD, "QUARKUS_HTTP_PORT", Integer.toString(port),
                "QUARKUS_MANAGEMENT_PORT", Integer.toString(management)));
        pb.environment().putAll(env);
        gateway = pb.start();
        ServiceProcesses.awaitReady(management, gateway, Duration.ofSeconds(120));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.destroyForcibly();
        }
    }

    private static boolean ready() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A sign-in sent from {@code source} (any 127.0.0.0/8 address is this machine), as raw HTTP/1.1. */
    static Raw signInFrom(String source, String user, String password, Map<String, String> headers) throws IOException {
        String body = "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}";
        StringBuilder req = new StringBuilder("POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n");
        headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
        req.append("\r\n").append(body);
        return raw(source, req.toString().getBytes(StandardCharsets.UTF_8));
    }

    record Raw(int status, String head, String body) {
    }

    static Raw raw(String source, byte[] request) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int split = all.indexOf("\r\n\r\n");
            return new Raw(Integer.parseInt(all.substring(9, 12)), split < 0 ? all : all.substring(0, split),
                    split < 0 ? "" : all.substring(split + 4));
        }
    }

    @Test
    @Order(1)
    void threeHundredConcurrentBadSignInsNeitherStopTheGatewayNorOutgrowItsHeap() throws Exception {
        AtomicLong peak = new AtomicLong();
        long max = ServiceProcesses.heapBytes(management)[1];
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> {
            try {
                peak.accumulateAndGet(ServiceProcesses.heapBytes(management)[0], Math::max);
            } catch (Exception e) {
                // a missed sample
            }
        }, 0, 100, TimeUnit.MILLISECONDS);
        Map<Integer, Integer> statuses = new TreeMap<>();
        Set<String> retryAfter = ConcurrentHashMap.newKeySet();
        try {
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                String user = i % 3 == 0 ? "admin" : "made-up-" + i;
                all.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/auth/login"))
                        .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"" + user + "\",\"password\":\"guess-"
                                + i + "\"}")).build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (CompletableFuture<HttpResponse<String>> f : all) {
                HttpResponse<String> r = f.get(90, TimeUnit.SECONDS);
                statuses.merge(r.statusCode(), 1, Integer::sum);
                if (r.statusCode() != 401) {
                    retryAfter.add(r.headers().firstValue("Retry-After").orElse("missing"));
                }
            }
        } finally {
            sampler.shutdownNow();
        }
        System.out.printf("front door: 300 concurrent bad sign-ins -> %s; peak heap %d of %d MiB%n", statuses,
                peak.get() >> 20, max >> 20);
        assertThat(gateway.isAlive()).as("the gateway survived").isTrue();
        assertThat(statuses.keySet()).as("every answer is 401, 429 or 503").isSubsetOf(401, 429, 503);
        assertThat(statuses.getOrDefault(401, 0)).as("some were really checked").isPositive();
        assertThat(retryAfter).as("429 and 503 say when to come back").doesNotContain("missing");
        assertThat(peak.get()).as("heap stays under its limit").isPositive().isLessThan(max * 9 / 10);
        assertThat(ready()).isTrue();
    }

    @Test
    @Order(2)
    void theAdminSignsInFromAnotherAddressWhileTheirNameIsHammeredFromThisOne() throws Exception {
        // someone hammers 'admin' from 127.0.0.1 until that address is throttled...
        int tries = 0;
        Raw hammered;
        do {
            hammered = signInFrom("127.0.0.1", "admin", "not-the-password-" + tries, Map.of());
            tries++;
        } while (hammered.status() == 401 && tries < 20);
        assertThat(hammered.status()).as("after %d tries", tries).isEqualTo(429);
        assertThat(signInFrom("127.0.0.1", "admin", ADMIN_PASSWORD, Map.of()).status())
                .as("the right password, from the hammering address").isEqualTo(429);
        // ...and no X-Forwarded-For gets around it, since no proxy is trusted by default
        assertThat(signInFrom("127.0.0.1", "admin", ADMIN_PASSWORD, Map.of("X-Forwarded-For", "203.0.113.77"))
                .status()).isEqualTo(429);
        // the real admin, from another address, is not kept out
        Raw owner = signInFrom("127.0.0.2", "admin", ADMIN_PASSWORD, Map.of());
        assertThat(owner.status()).as(owner.body()).isEqualTo(200);
        assertThat(owner.head()).contains("vigil_session=").contains("vigil_device=");
    }

    @Test
    @Order(3)
    void oversizedAndMalformedRequestsGetClearAnswers() throws Exception {
        String big = "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + (50 << 20) + "\r\n\r\n{";
        assertThat(raw("127.0.0.3", big.getBytes(StandardCharsets.US_ASCII)).status()).isEqualTo(413);
        String noLength = "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n";
        assertThat(raw("127.0.0.3", noLength.getBytes(StandardCharsets.US_ASCII)).status()).isEqualTo(411);
        String huge = "GET /api/auth/providers HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Junk: " + "a".repeat(64 * 1024)
                + "\r\n\r\n";
        assertThat(raw("127.0.0.3", huge.getBytes(StandardCharsets.US_ASCII)).status()).isBetween(400, 431);
        Raw malformed = raw("127.0.0.3", ("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Connection: close\r\nContent-Length: 9\r\n\r\n{not json").getBytes(StandardCharsets.US_ASCII));
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.body()).doesNotContain("Exception").doesNotContain("at io.").doesNotContain("at org.");
        assertThat(ready()).isTrue();
    }

    @Test
    @Order(4)
    void slowClientsAreCutOffAndCostTheSignedInNothing() throws Exception {
        // a sign-in whose body dribbles in: 408 after the deadline, connection closed
        long t0 = System.nanoTime();
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.4"), 0));
            s.connect(new InetSocketAddress("127.0.0.1", port));
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 408");
        }
        assertThat((System.nanoTime() - t0) / 1e9).as("the body deadline").isBetween(9.0, 20.0);

        // two hundred clients sending headers a byte at a time hold a socket each, and nothing else
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                Socket s = new Socket("127.0.0.1", port);
                s.getOutputStream().write("GET /api/auth/providers HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(
                        StandardCharsets.US_ASCII));
                slow.add(s);
            }
            String session = signInFrom("127.0.0.5", "admin", ADMIN_PASSWORD, Map.of()).head()
                    .lines().filter(l -> l.toLowerCase().startsWith("set-cookie: vigil_session="))
                    .findFirst().orElseThrow().substring("set-cookie: ".length()).split(";")[0];
            for (int round = 0; round < 3; round++) {
                for (Socket s : slow) {
                    s.getOutputStream().write('a');
                }
                long start = System.nanoTime();
                HttpResponse<String> me = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/api/auth/me")).header("Cookie", session).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(me.statusCode()).isEqualTo(200);
                assertThat((System.nanoTime() - start) / 1e6).as("a signed-in request meanwhile, ms").isLessThan(2000);
                assertThat(ready()).isTrue();
            }
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
        assertThat(gateway.isAlive()).isTrue();
    }
}
