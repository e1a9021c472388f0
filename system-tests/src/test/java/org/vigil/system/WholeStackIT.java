package org.vigil.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vigil.contracts.Json;
import org.vigil.contracts.LiveUpdate;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.Topics;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.testing.TestClips;

/**
 * The walking skeleton, real at every hop: {@code ./vigil up} starts the embedded servers and the six services as
 * separate JVMs; the synthetic camera's packets and motion flow through Kafka into an AVI segment, PostgreSQL,
 * Redis and a WebSocket client. Every wait has a deadline; nothing sleeps and hopes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Order(2) // second on the shared stack (after OperatorUiIT): its last tests kill, restart and stop it
class WholeStackIT {

    /** cam-a's rate on the shared stack (10, not the synthetic camera's 15: the stack streams it for the whole run). */
    private static final int FPS = 10;
    private static Stack stack;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static String session;
    private static String adminPassword;
    /** A bearer token like the ones the gateway gives the backends (an admin of every site). */
    private static String bearer;
    private static final List<byte[]> EXPORTED_TRACES = SharedStack.EXPORTED_TRACES;

    @BeforeAll
    static void up() throws Exception {
        // the shared stack (OperatorUiIT ran on it first): JSON logs here (VIGIL_LOG_JSON), text logs in the other
        // stack tests, so both formats are exercised; traces are exported (OTLP over HTTP) on it only
        stack = SharedStack.get();
        bearer = org.vigil.devstack.testing.TestTokens.token("admin", "admin", "*");
        adminPassword = SharedStack.adminPassword();
        assertThat(adminPassword).as("the first admin's password is printed once").isNotBlank();
        session = login("admin", adminPassword);
    }

    @AfterAll
    static void down() throws Exception {
        SharedStack.close();
    }

    @Test
    @Order(1)
    void statusReportsEveryServerAndServiceReady() throws Exception {
        // the stack has just served OperatorUiIT's heaviest pages while other lanes keep both cores busy: a check can
        // miss its 3 s answer or a consumer still be catching up, so this waits on the exit status as a script would
        // (that is what it is for), within a deadline, and names every line that was not ready on the way
        List<String> notReady = new java.util.ArrayList<>();
        Stack.Result r = stack.run(List.of("status"), Map.of(), Duration.ofSeconds(60));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (r.exitCode() != 0 && System.nanoTime() < deadline) {
            r.output().lines().filter(l -> !l.contains(" ready") || l.contains("not ready")).forEach(notReady::add);
            Thread.sleep(1000);
            r = stack.run(List.of("status"), Map.of(), Duration.ofSeconds(60));
        }
        if (!notReady.isEmpty()) {
            System.out.println("status was not ready at first: " + notReady);
        }
        assertThat(r.exitCode()).as("not ready: %s%nlast answer:%n%s", notReady, r.output()).isZero();
        assertThat(r.output()).contains("kafka", "postgres", "redis", "gateway", "capture-service", "recorder-service",
                "event-service", "export-service", "retention-service", "all ready");
    }

    @Test
    @Order(2)
    void anAuthenticatedWebSocketReceivesAMotionEventThatIsStoredInPostgres() throws Exception {
        BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().header("Cookie", "vigil_session=" + session)
                .buildAsync(URI.create("ws://127.0.0.1:" + stack.port("GATEWAY_PORT") + "/ws"), collector(messages))
                .get(10, TimeUnit.SECONDS);
        try {
            MotionEvent motion = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (motion == null && System.nanoTime() < deadline) {
                String m = messages.poll(1, TimeUnit.SECONDS);
                if (m != null && m.startsWith("[") && m.contains("\"type\":\"motion\"")) {
                    for (LiveUpdate u : Json.read(m.getBytes(), LiveUpdate[].class)) {
                        if (u.motion() != null && u.motion().cameraId().equals("cam-a")) { // cam-b streams too
                            motion = u.motion();
                        }
                    }
                }
            }
            assertThat(motion).as("a motion event from the synthetic camera cam-a within 90 s").isNotNull();
            String id = motion.eventId();
            assertThat(query("select count(*) from events.motion_events where event_id = '" + id + "'"))
                    .as("the event row is in PostgreSQL").isEqualTo(1L);
        } finally {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        }
    }

    /**
     * An integrator with nothing but Kafka's own console consumer (kafka-tools, from the Kafka jars) reads the motion
     * topic, and every message validates against the published schema, docs/asyncapi/schemas/MotionEvent.schema.json.
     */
    @Test
    @Order(2)
    void anIntegratorReadsMotionEventsWithKafkasConsoleConsumerAndTheyMatchThePublishedSchema() throws Exception {
        Path out = Files.createTempFile("console-consumer-", ".out");
        Path err = Files.createTempFile("console-consumer-", ".err");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.apache.kafka.tools.consumer.ConsoleConsumer",
                "--bootstrap-server", "127.0.0.1:" + stack.port("KAFKA_PORT"), "--topic", "vigil.motion.v1",
                "--from-beginning", "--max-messages", "3", "--timeout-ms", "90000",
                "--property", "print.headers=true", "--property", "headers.separator=,",
                "--property", "print.key=true", "--property", "key.separator=\t")
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("the console consumer finishes").isTrue();
        List<String> lines = Files.readAllLines(out).stream().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as("three motion messages; stderr: %s", Files.readString(err)).hasSize(3);

        com.networknt.schema.JsonSchema schema = com.networknt.schema.JsonSchemaFactory
                .getInstance(com.networknt.schema.SpecVersion.VersionFlag.V202012)
                .getSchema(Files.readString(Stack.root().resolve("docs/asyncapi/schemas/MotionEvent.schema.json")),
                        com.networknt.schema.SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
        for (String line : lines) {
            String[] headersKeyAndValue = line.split("\t", 3);
            com.fasterxml.jackson.databind.JsonNode value = Json.mapper().readTree(headersKeyAndValue[2]);
            assertThat(schema.validate(value)).as(line).isEmpty();
            assertThat(headersKeyAndValue[1]).as("the key is the camera id").isEqualTo(value.path("cameraId").asText());
            assertThat(headersKeyAndValue[0]).as("the W3C trace context header, as docs/asyncapi documents it")
                    .matches("(.*,)?traceparent:00-[0-9a-f]{32}-[0-9a-f]{16}-0[01](,.*)?");
        }
        assertThat(lines.get(0)).contains("\"phase\":\"start\"");
    }

    /**
     * One motion event is one trace across processes: capture publishes it with a W3C traceparent header, the event
     * service continues that trace when it stores it, and both export their spans to the configured OTLP collector.
     */
    @Test
    @Order(2)
    void aMotionEventIsOneTraceFromCaptureThroughKafkaToTheEventStoreAndReachesTheCollector() throws Exception {
        String traceId = org.vigil.devstack.testing.TopicProbe.await("127.0.0.1:" + stack.port("KAFKA_PORT"),
                "vigil.motion.v1", Duration.ofSeconds(90), r -> {
                    org.apache.kafka.common.header.Header h = r.headers().lastHeader("traceparent");
                    return h == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.US_ASCII).split("-")[1];
                });
        awaitExported(traceId, "capture-service", "event-service");
    }

    /**
     * A request through the gateway is one trace with the backend it is forwarded to: the caller's W3C
     * {@code traceparent} is continued by the gateway and passed on by its proxy.
     */
    @Test
    @Order(2)
    void aRequestThroughTheGatewayIsOneTraceWithTheBackendItReaches() throws Exception {
        String traceId = String.format("%016x%016x", System.nanoTime(), new java.util.Random().nextLong());
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + stack.port("GATEWAY_PORT") + "/api/events?limit=1")).header("Authorization", "Bearer " + bearer)
                .header("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        awaitExported(traceId, "gateway", "event-service");
        // records published through Reactive Messaging (here the gateway's audit of the sign-in) carry the context too
        String audit = org.vigil.devstack.testing.TopicProbe.await("127.0.0.1:" + stack.port("KAFKA_PORT"),
                "vigil.audit.v1", Duration.ofSeconds(30), rec -> {
                    org.apache.kafka.common.header.Header h = rec.headers().lastHeader("traceparent");
                    return new String(rec.value(), java.nio.charset.StandardCharsets.UTF_8).contains("\"gateway\"")
                            ? (h == null ? "" : new String(h.value(), java.nio.charset.StandardCharsets.US_ASCII))
                            : null;
                });
        assertThat(audit).as("the gateway's audit record's traceparent").matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");
    }

    /** Waits until each service has exported (to the stand-in collector) a span of the trace. */
    private static void awaitExported(String traceId, String... services) throws InterruptedException {
        byte[] id = java.util.HexFormat.of().parseHex(traceId);
        for (String service : services) {
            // one export request carries one process's spans: its resource names the service (service.name, a
            // protobuf string: its length, then its bytes)
            byte[] utf8 = service.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] name = new byte[utf8.length + 1];
            name[0] = (byte) utf8.length;
            System.arraycopy(utf8, 0, name, 1, utf8.length);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            boolean found = false;
            while (!found && System.nanoTime() < deadline) {
                found = EXPORTED_TRACES.stream().anyMatch(b -> contains(b, id) && contains(b, name));
                if (!found) {
                    Thread.sleep(250);
                }
            }
            assertThat(found).as("%s exported a span of trace %s (%d exports seen)", service, traceId,
                    EXPORTED_TRACES.size()).isTrue();
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer: for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /**
     * VIGIL_LOG_JSON=true: every service logs one JSON object per line with its name; a camera's lines carry the
     * camera and site, a request's lines the request id (echoed in X-Request-Id).
     */
    @Test
    @Order(2)
    void jsonLogsCarryTheServiceTheCameraAndTheRequestId() throws Exception {
        String base = "http://127.0.0.1:" + stack.port("GATEWAY_PORT");
        HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/users"))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"lockme\",\"password\":"
                        + "\"lock-me-password-1\",\"role\":\"viewer\",\"sites\":[\"default\"]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        for (int i = 1; i <= 5; i++) { // the fifth failure locks the account for this address, which is logged once
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/auth/login"))
                    .header("Content-Type", "application/json").header("X-Request-Id", "it-lockout-" + i)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"lockme\",\"password\":\"wrong\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.headers().firstValue("X-Request-Id")).contains("it-lockout-" + i);
        }

        com.fasterxml.jackson.databind.JsonNode lock = awaitLogLine("gateway",
                l -> l.path("message").asText().contains("sign-in locked for the account from")
                        && l.path("message").asText().contains("'lockme'"));
        assertThat(lock.path("mdc").path("requestId").asText()).isEqualTo("it-lockout-5");
        assertThat(lock.path("mdc").path("traceId").asText()).as("the request's trace").matches("[0-9a-f]{32}");
        assertThat(lock.path("service").asText()).isEqualTo("gateway");
        assertThat(lock.path("level").asText()).isEqualTo("WARN");

        com.fasterxml.jackson.databind.JsonNode camera = awaitLogLine("capture-service",
                l -> l.path("message").asText().startsWith("camera cam-a online"));
        assertThat(camera.path("mdc").path("camera").asText()).isEqualTo("cam-a");
        assertThat(camera.path("mdc").path("site").asText()).isEqualTo("site-a");
        assertThat(camera.path("service").asText()).isEqualTo("capture-service");
    }

    /**
     * The first line of a service's log that is a JSON object matching {@code wanted}. No line may be in the text
     * format (only native libraries, e.g. FFmpeg, write plain lines of their own).
     */
    private static com.fasterxml.jackson.databind.JsonNode awaitLogLine(String service,
            java.util.function.Predicate<com.fasterxml.jackson.databind.JsonNode> wanted) throws Exception {
        Path log = stack.home.resolve("logs").resolve(service + ".log");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        do {
            for (String line : Files.readAllLines(log)) {
                if (line.isBlank()) {
                    continue;
                }
                assertThat(line).as("a log line of " + service).doesNotMatch("^\\d{4}-\\d\\d-\\d\\dT\\S+ +(INFO|WARN|ERROR).*");
                if (!line.startsWith("{")) {
                    continue;
                }
                com.fasterxml.jackson.databind.JsonNode n = Json.mapper().readTree(line);
                if (wanted.test(n)) {
                    return n;
                }
            }
            Thread.sleep(250);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no such line in " + log);
    }

    @Test
    @Order(3)
    void anUnauthenticatedWebSocketIsRefused() {
        try {
            HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + stack.port("GATEWAY_PORT") + "/ws"), new WebSocket.Listener() {
                    }).join();
            throw new AssertionError("the upgrade succeeded without a session");
        } catch (CompletionException e) {
            assertThat(e.getCause()).isInstanceOf(WebSocketHandshakeException.class);
            assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode()).isEqualTo(401);
        }
    }

    @Test
    @Order(4)
    void aClosedSegmentExistsAndDecodesToItsFrameCount() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        Optional<String[]> segment = Optional.empty();
        while (segment.isEmpty() && System.nanoTime() < deadline) {
            segment = row("select root, path, frames, extract(epoch from ended_at - started_at), "
                    + "to_char(started_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
                    + "to_char(ended_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') from events.segments "
                    + "where camera_id = 'cam-a' order by started_at offset 1 limit 1");
            if (segment.isEmpty()) {
                Thread.sleep(500);
            }
        }
        assertThat(segment).as("a second segment of cam-a is indexed within 90 s").isPresent();
        Path file = Path.of(segment.get()[0]).resolve(segment.get()[1]);
        long frames = Long.parseLong(segment.get()[2]);
        double seconds = Double.parseDouble(segment.get()[3]);
        assertThat(file.getFileName().toString()).startsWith("recording_cam-a_").endsWith(".avi");
        assertThat(Files.isRegularFile(file)).as(file + " exists").isTrue();
        assertThat(TestClips.decodedFrames(file)).as("frames decoded from " + file).isEqualTo(frames);
        // no packet lost or doubled between the capture and the file: the segment's frame index names, in order, every
        // packet of its session that Kafka holds between its first and last, no more and none twice. (A count against
        // the segment's duration cannot tell this: the capture time is the wall clock at read, so a stall of the
        // loaded machine makes the synthetic camera catch up in a burst of frames with almost the same time.)
        List<long[]> index = frameIndex(Path.of(file + ".idx"));
        assertThat(index).as("frames of %s.idx", file).hasSize((int) frames);
        assertThat(index.get(0)[1]).as("a segment opens on a key frame").isEqualTo(1);
        String captureSession = indexSession(Path.of(file + ".idx"));
        List<Long> seqs = index.stream().map(f -> f[2]).toList();
        assertThat(publishedSeqs("cam-a", captureSession, seqs.get(0), seqs.get(seqs.size() - 1)))
                .as("the packets capture published for this stretch").isEqualTo(seqs);
        // the indexed times are the frames' own: from the first frame to one frame interval after the last
        double span = (index.get(index.size() - 1)[0] - index.get(0)[0]) / 1e6 + 1.0 / FPS;
        assertThat(seconds).as("the segment's indexed duration").isCloseTo(span, org.assertj.core.data.Offset.offset(0.002));

        // the same footage as MP4 through the gateway, as the browser plays it, and a byte range of it. A segment ends
        // one nominal frame interval after its last frame; the range ends a millisecond after that last frame, since
        // the next segment's first frame may come well within the interval (capture timestamps jitter under load)
        String playback = "http://127.0.0.1:" + stack.port("GATEWAY_PORT") + "/api/recorder/playback/cam-a.mp4?from="
                + segment.get()[4] + "&to=" + Instant.parse(segment.get()[5]).minusNanos(1_000_000_000L / FPS)
                        .plusMillis(1);
        HttpResponse<byte[]> mp4 = HTTP.send(HttpRequest.newBuilder(URI.create(playback))
                .header("Cookie", "vigil_session=" + session).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(mp4.statusCode()).as(new String(mp4.body())).isEqualTo(200);
        assertThat(mp4.headers().firstValue("Content-Type")).hasValue("video/mp4");
        Path local = Files.createTempFile("playback", ".mp4");
        Files.write(local, mp4.body());
        assertThat(TestClips.decodedFrames(local)).as("frames of the MP4 remux").isEqualTo(frames);
        HttpResponse<byte[]> part = HTTP.send(HttpRequest.newBuilder(URI.create(playback))
                .header("Cookie", "vigil_session=" + session).header("Range", "bytes=0-1023").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.body()).isEqualTo(java.util.Arrays.copyOf(mp4.body(), 1024));
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(playback)).build(), HttpResponse.BodyHandlers
                .discarding()).statusCode()).as("no session").isEqualTo(401);
    }

    @Test
    @Order(5)
    void backendsAcceptTheGatewaysTokensAndRejectMissingForgedOrSessionOnes() throws Exception {
        String forged = bearer.substring(0, bearer.lastIndexOf('.') + 1) + "AAAA" + bearer.substring(
                bearer.lastIndexOf('.') + 5);
        for (String port : List.of("CAPTURE_PORT", "RECORDER_PORT", "EVENT_PORT", "EXPORT_PORT", "RETENTION_PORT")) {
            String api = Map.of("CAPTURE_PORT", "/api/capture/cameras", "RECORDER_PORT", "/api/recorder/cameras",
                    "EVENT_PORT", "/api/events", "EXPORT_PORT", "/api/exports/access", "RETENTION_PORT",
                    "/api/retention/policy").get(port);
            String url = "http://127.0.0.1:" + stack.port(port) + api;
            assertThat(get(url, null).statusCode()).as("no token at " + url).isEqualTo(401);
            assertThat(get(url, forged).statusCode()).as("forged token at " + url).isEqualTo(401);
            // a browser's session token is for the gateway only: copied out of a cookie, it opens no backend
            assertThat(get(url, session).statusCode()).as("session token at " + url).isEqualTo(401);
            assertThat(get(url, bearer).statusCode()).as("the gateway's kind of token at " + url).isEqualTo(200);
        }
        // through the gateway, the session reaches them (with a backend token minted for it)
        HttpResponse<String> viaGateway = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + stack.port("GATEWAY_PORT") + "/api/retention/policy")).header("Cookie", "vigil_session=" + session)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(viaGateway.statusCode()).as(viaGateway.body()).isEqualTo(200);
    }

    @Test
    @Order(5)
    void raisingTheFloorShowsWhatRetentionWouldDeleteBeforeAnythingChanges() throws Exception {
        String recorder = "http://127.0.0.1:" + stack.port("RECORDER_PORT") + "/api/recorder/storage";
        com.fasterxml.jackson.databind.JsonNode now = Json.mapper().readTree(get(recorder, bearer).body());
        long total = now.path("totalBytes").asLong();
        HttpResponse<String> asked = HTTP.send(HttpRequest.newBuilder(URI.create(recorder))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"recordingsDir\":\"" + now.path("recordingsDir").asText()
                        + "\",\"minFreeBytes\":" + (total - 1) + "}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(asked.statusCode()).as(asked.body()).isEqualTo(409);
        com.fasterxml.jackson.databind.JsonNode preview = Json.mapper().readTree(asked.body());
        // retention answered (the preview has its figures, not "unknown"), and nothing changed
        assertThat(preview.path("wouldDelete").path("bytesToFree").asLong()).isPositive();
        assertThat(preview.path("confirm").asText()).isNotBlank();
        assertThat(Json.mapper().readTree(get(recorder, bearer).body()).path("minFreeBytes").asLong())
                .isEqualTo(now.path("minFreeBytes").asLong());
    }

    @Test
    @Order(6)
    void aGatewayKilledWithSigkillIsRestartedAndStatusCountsIt() throws Exception {
        long pid = stack.children().entrySet().stream().filter(e -> e.getValue().equals("gateway"))
                .map(Map.Entry::getKey).filter(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false))
                .findFirst().orElseThrow();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        Stack.Result status;
        do {
            Thread.sleep(500);
            status = stack.run(List.of("status"), Map.of(), Duration.ofSeconds(60));
        } while (!(status.exitCode() == 0 && status.output().contains("restarted 1 time"))
                && System.nanoTime() < deadline);
        assertThat(status.exitCode()).as(status.output()).isZero();
        assertThat(status.output()).contains("restarted 1 time");
        assertThat(stack.output).anyMatch(l -> l.startsWith("! gateway pid " + pid + " exited"))
                .anyMatch(l -> l.contains("gateway ready again (restart 1"));
        // a session lives in PostgreSQL, not in the process: it outlives the restart
        HttpResponse<String> me = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + stack.port("GATEWAY_PORT") + "/api/auth/me")).header("Cookie", "vigil_session=" + session).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
    }

    @Test
    @Order(7)
    void aSecondLauncherOnTheSameDataDirectoryIsRefusedInOneLine() throws Exception {
        Stack.Result r = stack.run(List.of("up"), Map.of(), Duration.ofSeconds(60));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output().trim().lines()).hasSize(1);
        assertThat(r.output()).contains("already running").contains("VIGIL_HOME");
    }

    /**
     * A launcher killed with SIGKILL cannot clean up: its services still stop (each has a parent-death signal), and the
     * next {@code ./vigil up} on the same data directory stops the PostgreSQL it left, starts normally, and finds the
     * data of before (the admin signs in with the same password).
     */
    @Test
    @Order(8)
    void theNextStartRecoversFromALauncherKilledWithSigkill() throws Exception {
        Map<Long, String> children = stack.children();
        assertThat(children).isNotEmpty();
        long t0 = System.nanoTime();
        ProcessHandle.of(stack.pid()).orElseThrow().destroyForcibly();
        stack.process().waitFor();
        for (Map.Entry<Long, String> c : children.entrySet()) {
            var h = ProcessHandle.of(c.getKey());
            if (h.isPresent()) {
                try {
                    h.get().onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new AssertionError(c.getValue() + " did not stop within 60 s of its launcher's death");
                }
            }
        }
        long t1 = System.nanoTime();
        Stack again = new Stack(stack.home, Map.of());
        again.env.putAll(stack.env);
        stack = again.start(Duration.ofMinutes(4));
        SharedStack.replace(stack);
        System.out.printf("launcher killed: its services stopped in %.1f s, up again in %.1f s%n", (t1 - t0) / 1e9,
                (System.nanoTime() - t1) / 1e9);
        assertThat(stack.output).anyMatch(l -> l.contains("left by an earlier run: postgres"));
        assertThat(stack.output).anyMatch(l -> l.startsWith("Vigil is up"));
        assertThat(stack.output).anyMatch(l -> l.contains("the admin account exists from an earlier run"));
        login("admin", adminPassword);
    }

    @Test
    @Order(9)
    void stoppingLeavesNoProcessAndNoLockBehind() throws Exception {
        Map<Long, String> children = stack.children();
        assertThat(children.values()).contains("gateway", "capture-service", "recorder-service", "event-service",
                "export-service", "retention-service", "redis");
        Optional<Long> postmaster = postmasterPid();
        assertThat(postmaster).isPresent();

        // a process stopped by a signal reports 128 + the signal, after its shutdown hook has run
        assertThat(stack.stop(Duration.ofSeconds(90))).isIn(0, 130, 143);

        for (Map.Entry<Long, String> c : children.entrySet()) {
            assertThat(ProcessHandle.of(c.getKey()).map(ProcessHandle::isAlive).orElse(false))
                    .as(c.getValue() + " (pid " + c.getKey() + ") is gone").isFalse();
        }
        assertThat(ProcessHandle.of(postmaster.get()).map(ProcessHandle::isAlive).orElse(false))
                .as("PostgreSQL is gone").isFalse();
        assertThat(stack.home.resolve("run/vigil.lock")).doesNotExist();
        assertThat(stack.home.resolve("run/children.pids")).doesNotExist();
        assertThat(stack.home.resolve("run/supervisor.json")).doesNotExist();
        assertThat(stack.output).contains("Vigil: stopped.");
        Stack.Result status = stack.run(List.of("status"), Map.of(), Duration.ofSeconds(60));
        assertThat(status.exitCode()).isNotZero();
    }

    private static Optional<Long> postmasterPid() throws Exception {
        Path pid = stack.home.resolve("postgres/postmaster.pid");
        return Files.exists(pid) ? Optional.of(Long.parseLong(Files.readAllLines(pid).get(0).trim())) : Optional.empty();
    }

    static String login(String user, String password) throws Exception {
        return login(stack, user, password);
    }

    /** Signs in on a running stack and returns the session token (also usable as a bearer token). */
    static String login(Stack stack, String user, String password) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + stack.port("GATEWAY_PORT") + "/api/auth/login")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"" + user + "\",\"password\":\"" + password
                        + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("vigil_session="))
                .map(c -> c.substring("vigil_session=".length(), c.indexOf(';'))).findFirst().orElseThrow();
    }

    private static HttpResponse<String> get(String url, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static WebSocket.Listener collector(BlockingQueue<String> into) {
        return new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    into.add(partial.toString());
                    partial.setLength(0);
                }
                w.request(1);
                return null;
            }
        };
    }

    private static long query(String sql) throws Exception {
        return row(sql).map(r -> Long.parseLong(r[0])).orElse(0L);
    }

    /** A segment's frame index as {@code [wall-clock µs, key frame (0/1), packet seq]} per frame. */
    private static List<long[]> frameIndex(Path idx) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Files.exists(idx) && System.nanoTime() < deadline) {
            Thread.sleep(200); // the index is renamed into place once Kafka has the segment's announcement
        }
        List<String> lines = Files.readAllLines(idx);
        assertThat(lines.get(0)).isEqualTo("# vigil segment index v1");
        return lines.subList(2, lines.size()).stream().map(l -> l.split(" "))
                .map(f -> new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])}).toList();
    }

    private static String indexSession(Path idx) throws Exception {
        for (String kv : Files.readAllLines(idx).get(1).split(" ")) {
            if (kv.startsWith("session=")) {
                return kv.substring("session=".length());
            }
        }
        throw new AssertionError(idx + " names no session");
    }

    /** The distinct seqs, in order, of the packets of a camera's capture session on the media topic within a range. */
    private static List<Long> publishedSeqs(String camera, String session, long first, long last) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + stack.port("KAFKA_PORT"));
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 1 << 20);
        TreeSet<Long> seqs = new TreeSet<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(Topics.MEDIA).stream()
                    .map(p -> new TopicPartition(Topics.MEDIA, p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (parts.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                assertThat(System.nanoTime()).as("the media topic read within 60 s").isLessThan(deadline);
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (camera.equals(r.key())) {
                        MediaPacket p = MediaPacket.read(r.key(), r.headers(), r.value());
                        if (p.session().equals(session) && p.seq() >= first && p.seq() <= last) {
                            seqs.add(p.seq());
                        }
                    }
                }
            }
        }
        return List.copyOf(seqs);
    }

    private static Optional<String[]> row(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + stack.port("POSTGRES_PORT")
                + "/vigil", EmbeddedPostgresServer.SUPERUSER, ""); ResultSet rs = c.createStatement().executeQuery(sql)) {
            if (!rs.next()) {
                return Optional.empty();
            }
            String[] out = new String[rs.getMetaData().getColumnCount()];
            for (int i = 0; i < out.length; i++) {
                out[i] = rs.getString(i + 1);
            }
            return Optional.of(out);
        }
    }

    static void deleteTree(Path dir) throws Exception {
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static Instant now() {
        return Instant.now();
    }
}
