package org.vigil.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.CameraStatus;
import org.vigil.contracts.Json;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.SegmentClosed;
import org.vigil.contracts.Topics;
import org.vigil.devstack.embedded.ChildProcesses;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.embedded.EmbeddedRedisServer;
import org.vigil.devstack.testing.JavaCommand;
import org.vigil.devstack.testing.RtspServer;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.devstack.testing.TestClips;

/**
 * The fault suite ({@code ./vigil chaos} runs it alone): the whole system, started by {@code ./vigil up} against
 * Kafka, PostgreSQL and Redis that this test owns, with a synthetic camera and an RTSP camera and a second capture
 * instance. It kills, in turn and with SIGKILL, Kafka, PostgreSQL, Redis, the RTSP camera and the capture instance that
 * owns the cameras; each stays down 15 s and (but the capture instance) comes back on the same data. For each fault it
 * measures: health turning degraded, then healthy again (and how long after the restart); recording resuming (the
 * first segment begun after the restart); the alert condition raised. At the end: no motion event that reached Kafka
 * is missing from PostgreSQL. The figures go to the output and to {@code target/fault-suite.txt}.
 */
class FaultSuiteIT {

    /**
     * Each outage ends as soon as its effect is seen (the services that must turn unready have, and its alert
     * condition holds), but lasts at least {@code vigil.chaos.down-seconds}: 15 for {@code ./vigil chaos}, where an
     * operator watches, 0 in the test suite.
     */
    private static final Duration DOWN = Duration.ofSeconds(Long.getLong("vigil.chaos.down-seconds", 15));
    /** How long a fault may take to show its effect before the suite counts it as not seen. */
    private static final Duration EFFECT_LIMIT = Duration.ofSeconds(60);
    /** A camera is stale after this long without frames: short, so that the camera fault shows quickly. */
    private static final Duration STALE_AFTER = Duration.ofSeconds(Math.max(3, DOWN.toSeconds() / 2));
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Path home = Path.of("target", "fault-home").toAbsolutePath();
    private final List<String> report = new ArrayList<>();
    private final Set<String> motionStarts = ConcurrentHashMap.newKeySet();
    private final List<SegmentClosed> segments = new CopyOnWriteArrayList<>();
    private final List<CameraStatus> statuses = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> servicePorts = new LinkedHashMap<>();
    private final Set<String> degradedSeen = ConcurrentHashMap.newKeySet();
    private volatile boolean watching = true;
    private volatile Instant lastKill = Instant.EPOCH;
    private volatile boolean doorOfflineSeen;
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private int restartsOfKafka;

    private int kafkaPort;
    private int kafkaControllerPort;
    private Process kafka;
    private EmbeddedPostgresServer postgres;
    private EmbeddedRedisServer redis;
    private ChildProcesses children;
    private RtspServer rtsp;
    private Stack stack;
    private Process captureB;

    @AfterEach
    void tearDown() throws Exception {
        watching = false;
        if (captureB != null) {
            captureB.destroyForcibly();
        }
        if (stack != null) {
            stack.close();
        }
        if (rtsp != null) {
            rtsp.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (children != null) {
            children.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (kafka != null) {
            kafka.destroy();
            kafka.waitFor();
        }
        Files.write(Path.of("target", "fault-suite.txt"), report);
        report.forEach(System.out::println);
    }

    @Test
    void theSystemRidesOutKafkaPostgresRedisCameraAndCaptureFailures() throws Exception {
        assumeTrue(RtspServer.available(), RtspServer.unavailableReason());
        WholeStackIT.deleteTree(home);
        Files.createDirectories(home);
        startServers();
        String door = rtsp.url();
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + kafkaPort,
                "DATABASE_URL", postgres.url(), "REDIS_URL", redis.url(),
                "CAMERA_SOURCES", "cam1=test:?size=320x180&fps=10,door=" + door,
                "VIGIL_RECORDER_SEGMENT_LENGTH", "2s", "VIGIL_CAPTURE_STATUS_INTERVAL", "1s",
                // stale within the outage (30 s by default)
                "VIGIL_CAPTURE_STALE_AFTER", STALE_AFTER.toSeconds() + "s");
        stack = new Stack(home.resolve("vigil"), env).start(Duration.ofMinutes(4));
        // health and metrics: on each service's management port
        servicePorts.put("gateway", stack.port("GATEWAY_MANAGEMENT_PORT"));
        servicePorts.put("capture-service", stack.port("CAPTURE_MANAGEMENT_PORT"));
        servicePorts.put("recorder-service", stack.port("RECORDER_MANAGEMENT_PORT"));
        servicePorts.put("event-service", stack.port("EVENT_MANAGEMENT_PORT"));
        int captureBManagement = SharedServers.freePort();
        captureB = startCaptureB(env, SharedServers.freePort(), captureBManagement);
        servicePorts.put("capture-b", captureBManagement);
        watchTopics();
        watchHealth();

        await("both cameras record and every service is ready", Duration.ofMinutes(3),
                () -> segmentAfter("cam1", Instant.EPOCH) && segmentAfter("door", Instant.EPOCH) && allReady());
        report.add("== Vigil fault suite: each fault SIGKILL, down until its effect is seen"
                + (DOWN.isZero() ? "" : " (at least " + DOWN.toSeconds() + " s)") + ", then restarted ==");
        report.add(String.format("%-20s %-9s %-66s %-12s %-14s %-16s %s", "fault", "degraded", "seen as", "seen after",
                "healthy after", "recording after", "alert condition"));

        Set<String> kafkaClients = Set.of("capture-service", "capture-b", "event-service", "recorder-service", "gateway");
        // a short broker outage raises no alert by design: capture buffers (VigilCameraFramesDropped stays quiet)
        fault("Kafka broker", this::killKafka, this::startKafka, "cam1",
                new Effect("a Kafka client unready", seen -> seen.stream().anyMatch(kafkaClients::contains),
                        "VigilCameraFramesDropped quiet", () -> sumMetric("vigil_capture_dropped_packets_total") == 0,
                        () -> "capture dropped " + String.format("%.0f", sumMetric("vigil_capture_dropped_packets_total"))
                                + " media packets"));
        double storeFailures = metricOr("event-service", "vigil_events_store_failures_total");
        fault("PostgreSQL", this::killPostgres, this::startPostgres, "cam1",
                new Effect("event-service or gateway unready", seen -> seen.contains("event-service")
                        || seen.contains("gateway"), "VigilEventWritesFailing",
                        () -> metricOr("event-service", "vigil_events_store_failures_total") > storeFailures,
                        () -> "event store failures " + metric("event-service", "vigil_events_store_failures_total")));
        double fanoutFailures = metricOr("event-service", "vigil_events_fanout_total{outcome=\"failed\"");
        fault("Redis", this::killRedis, this::startRedis, "cam1",
                new Effect("gateway unready", seen -> seen.contains("gateway"), "live fan-out failing",
                        () -> metricOr("event-service", "vigil_events_fanout_total{outcome=\"failed\"") > fanoutFailures,
                        () -> "live fan-out failed " + metric("event-service",
                                "vigil_events_fanout_total{outcome=\"failed\"")));
        fault("RTSP camera (door)", () -> rtsp.stop(), () -> rtsp.start(), "door",
                new Effect("capture lists door stale", seen -> seen.contains("capture lists door stale"),
                        "VigilCameraNoSignal", () -> doorOfflineSeen,
                        () -> "door status " + doorStatesSince(lastKill) + ", vigil_capture_online{door} 0 seen: "
                                + doorOfflineSeen));
        captureInstanceFault();

        // no event lost: every motion event that reached Kafka is in PostgreSQL
        Set<String> missing = new HashSet<>(motionStarts);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!missing.isEmpty() && System.nanoTime() < deadline) {
            missing.removeAll(storedEventIds());
            if (!missing.isEmpty()) {
                Thread.sleep(500);
            }
        }
        report.add(String.format("motion events on Kafka: %d; in PostgreSQL: %d; missing: %d", motionStarts.size(),
                motionStarts.size() - missing.size(), missing.size()));
        report.add("capture send failures (messages Kafka never acknowledged): "
                + String.format("%.0f", sumMetric("vigil_capture_send_failures_total")));
        assertThat(motionStarts).as("motion events during the run").isNotEmpty();
        assertThat(missing).as("motion events on Kafka but not in PostgreSQL").isEmpty();
        assertThat(failures).as("faults the system did not recover from").isEmpty();
    }

    // ---- the faults

    interface Step {
        void run() throws Exception;
    }

    /**
     * What a fault must be seen to do before it is repaired: which services turn unready ({@code degraded}, over the
     * names the health watcher saw), and an alert condition that must hold, with its figure for the report.
     */
    record Effect(String degradedAs, java.util.function.Predicate<Set<String>> degraded, String alert,
            BooleanSupplier alertHolds, java.util.function.Supplier<String> figure) {
    }

    private void fault(String name, Step kill, Step restart, String camera, Effect effect) throws Exception {
        degradedSeen.clear();
        doorOfflineSeen = false;
        Instant killed = Instant.now();
        lastKill = killed;
        kill.run();
        long atLeast = System.nanoTime() + DOWN.toNanos();
        Optional<Duration> seen = awaitOptional(EFFECT_LIMIT, () -> {
            if ("door".equals(camera)) {
                watchDoor();
            }
            return System.nanoTime() - atLeast >= 0 && effect.degraded().test(Set.copyOf(degradedSeen))
                    && effect.alertHolds().getAsBoolean();
        }).map(t -> Duration.between(killed, t));
        boolean degraded = effect.degraded().test(Set.copyOf(degradedSeen));
        boolean alert = effect.alertHolds().getAsBoolean();
        String alertText = effect.alert() + (alert ? "" : " NOT SEEN") + ": " + effect.figure().get();
        Instant restarted = Instant.now();
        restart.run();
        Optional<Duration> healthy = awaitOptional(Duration.ofMinutes(3), this::allReady)
                .map(t -> Duration.between(restarted, t));
        Optional<Duration> recording = awaitOptional(Duration.ofMinutes(3), () -> segmentAfter(camera, restarted))
                .map(t -> Duration.between(restarted, t));
        String seenAs = degradedSeen.isEmpty() ? "-" : String.join(",", new java.util.TreeSet<>(degradedSeen));
        report.add(String.format("%-20s %-9s %-66s %-12s %-14s %-16s %s", name, degraded ? "yes" : "NO", seenAs,
                seen.map(FaultSuiteIT::seconds).orElse("NEVER"), healthy.map(FaultSuiteIT::seconds).orElse("NEVER"),
                recording.map(FaultSuiteIT::seconds).orElse("NEVER"), alertText));
        if (!degraded) {
            failures.add(name + ": not seen as degraded (" + effect.degradedAs() + ")");
        }
        if (!alert) {
            failures.add(name + ": alert condition not seen (" + effect.alert() + ")");
        }
        if (healthy.isEmpty() || recording.isEmpty()) {
            failures.add(name + ": not recovered");
        }
    }

    /** Samples what the camera fault shows: the door offline in its owner's metrics, and listed stale. */
    private void watchDoor() {
        if (metricValue(ownerPort("door"), "vigil_capture_online{camera=\"door\"}").filter(v -> v == 0).isPresent()) {
            doorOfflineSeen = true;
        }
        if (staleCameras(ownerPort("door")).contains("door")) {
            degradedSeen.add("capture lists door stale");
        }
    }

    /**
     * Kills the capture instance that owns cam1. It must be seen unready and its metrics must stop answering (what
     * VigilCaptureDown fires on: up == 0); then either the other instance takes its cameras over, or, when it was
     * {@code ./vigil up}'s own, the launcher restarts it first: either way cam1 must be captured again.
     */
    private void captureInstanceFault() throws Exception {
        degradedSeen.clear();
        String owner = latestStatus("cam1").map(CameraStatus::instance).orElse("");
        boolean killB = owner.equals("capture-b");
        String service = killB ? "capture-b" : "capture-service";
        int port = servicePorts.get(service);
        Instant killed = Instant.now();
        if (killB) {
            captureB.destroyForcibly().waitFor();
        } else {
            long pid = stack.children().entrySet().stream().filter(e -> e.getValue().equals("capture-service"))
                    .map(Map.Entry::getKey).findFirst().orElseThrow();
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        Optional<Duration> down = awaitOptional(EFFECT_LIMIT, () -> degradedSeen.contains(service)
                && metricValues(port, "vigil_").isEmpty()).map(t -> Duration.between(killed, t));
        servicePorts.remove(service);
        String[] by = {""};
        Optional<Duration> takenOver = awaitOptional(Duration.ofMinutes(2), () -> latestStatus("cam1")
                .filter(s -> s.at().isAfter(killed.plusSeconds(1)) && s.state() == CameraStatus.State.ONLINE)
                .map(s -> by[0] = s.instance()).isPresent()).map(t -> Duration.between(killed, t));
        Optional<Duration> recording = awaitOptional(Duration.ofMinutes(2), () -> segmentAfter("cam1", killed))
                .map(t -> Duration.between(killed, t));
        report.add(String.format("%-20s %-9s %-66s %-12s %-14s %-16s %s", "capture instance",
                down.isPresent() ? "yes" : "NO", owner + " killed", down.map(FaultSuiteIT::seconds).orElse("NEVER"),
                takenOver.map(t -> (by[0].equals(owner) ? "restarted " : "taken over ") + seconds(t)).orElse("NEVER"),
                recording.map(FaultSuiteIT::seconds).orElse("NEVER"), "VigilCaptureDown" + (down.isPresent() ? ""
                        : " NOT SEEN") + ": metrics of " + owner + " unreachable"));
        if (down.isEmpty()) {
            failures.add("capture instance: not seen down (unready, metrics unreachable)");
        }
        if (takenOver.isEmpty() || recording.isEmpty()) {
            failures.add("capture instance: cameras not captured again");
        }
    }

    // ---- the servers this test owns

    private void startServers() throws Exception {
        kafkaPort = SharedServers.freePort();
        kafkaControllerPort = SharedServers.freePort();
        startKafka();
        postgres = new EmbeddedPostgresServer(home.resolve("postgres"), SharedServers.freePort(),
                home.resolve("postgres.log"));
        postgres.start();
        children = new ChildProcesses(home.resolve("children.pids"));
        redis = new EmbeddedRedisServer(home.resolve("redis"), SharedServers.freePort(), home.resolve("redis.log"),
                children);
        redis.start();
        // long enough for the whole run: the RTSP server plays the file once
        Path ts = TestClips.writeTs(TestClips.h264(480, 10, 320, 180, 10), 10, home.resolve("door.ts"));
        rtsp = new RtspServer(ts, SharedServers.freePort(), "/door", null, null).start();
    }

    private void startKafka() throws Exception {
        Path log = home.resolve("kafka.log");
        kafka = new ProcessBuilder(JavaCommand.of("-Xmx384m",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "org.vigil.devstack.testing.KafkaProcess", home.resolve("kafka").toString(), Integer.toString(kafkaPort),
                Integer.toString(kafkaControllerPort))).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        await("Kafka serves", Duration.ofMinutes(2), () -> {
            try {
                return Files.readString(log).lines().filter(l -> l.startsWith("KAFKA READY")).count()
                        >= restartsOfKafka + 1;
            } catch (IOException e) {
                return false;
            }
        });
        restartsOfKafka++;
    }

    private void killKafka() throws Exception {
        kafka.destroyForcibly().waitFor();
    }

    private void killPostgres() throws Exception {
        long pid = Long.parseLong(Files.readAllLines(home.resolve("postgres/postmaster.pid")).get(0).trim());
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        await("the postmaster is gone", Duration.ofSeconds(30),
                () -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
    }

    private void startPostgres() throws Exception {
        try {
            postgres.close(); // the killed server's handle still holds zonky's lock on the data directory
        } catch (IOException e) {
            // nothing to stop: it was killed
        }
        postgres = new EmbeddedPostgresServer(home.resolve("postgres"), postgres.port(), home.resolve("postgres.log"));
        postgres.start();
    }

    private void killRedis() throws Exception {
        int port = redis.port();
        redis.kill();
        await("Redis is down", Duration.ofSeconds(30), () -> !EmbeddedRedisServer.ping(port, Duration.ofMillis(300)));
    }

    private void startRedis() throws Exception {
        redis = new EmbeddedRedisServer(home.resolve("redis"), redis.port(), home.resolve("redis.log"), children);
        redis.start();
    }

    private Process startCaptureB(Map<String, String> env, int port, int managementPort) throws Exception {
        Path jar = Stack.root().resolve("capture-service/target/quarkus-app/quarkus-run.jar");
        ProcessBuilder pb = new ProcessBuilder(JavaCommand.of("-Xmx256m",
                "-XX:+UseSerialGC", "-jar", jar.toString())).redirectErrorStream(true)
                .redirectOutput(home.resolve("capture-b.log").toFile());
        pb.environment().putAll(env);
        pb.environment().putAll(Map.of("QUARKUS_HTTP_PORT", Integer.toString(port), "QUARKUS_HTTP_HOST", "127.0.0.1",
                "QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort), "VIGIL_INSTANCE", "capture-b",
                "VIGIL_GATEWAY_URL", "http://127.0.0.1:" + stack.port("GATEWAY_PORT")));
        return pb.start();
    }

    // ---- what the test watches

    private void watchTopics() {
        Thread t = new Thread(() -> {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + kafkaPort);
            props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 1 << 20);
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(),
                    new ByteArrayDeserializer())) {
                List<TopicPartition> parts = new ArrayList<>();
                for (String topic : List.of(Topics.MOTION, Topics.SEGMENTS, Topics.CAMERA_STATUS)) {
                    c.partitionsFor(topic).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
                }
                c.assign(parts);
                c.seekToBeginning(parts);
                while (watching) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(250))) {
                        switch (r.topic()) {
                            case Topics.MOTION -> {
                                MotionEvent m = Json.read(r.value(), MotionEvent.class);
                                if (m.phase() == MotionEvent.Phase.START) {
                                    motionStarts.add(m.eventId());
                                }
                            }
                            case Topics.SEGMENTS -> segments.add(Json.read(r.value(), SegmentClosed.class));
                            default -> statuses.add(Json.read(r.value(), CameraStatus.class));
                        }
                    }
                }
            }
        }, "fault-suite-topics");
        t.setDaemon(true);
        t.start();
    }

    private void watchHealth() {
        Thread t = new Thread(() -> {
            while (watching) {
                servicePorts.forEach((name, port) -> {
                    if (!ready(port)) {
                        degradedSeen.add(name);
                    }
                });
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "fault-suite-health");
        t.setDaemon(true);
        t.start();
    }

    private boolean allReady() {
        return servicePorts.values().stream().allMatch(FaultSuiteIT::ready);
    }

    /** The cameras a capture instance's camera-freshness check lists as stale. */
    private static List<String> staleCameras(int port) {
        try {
            String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString()).body();
            for (com.fasterxml.jackson.databind.JsonNode check : Json.mapper().readTree(body).path("checks")) {
                if (check.path("name").asText().equals("camera-freshness")) {
                    return List.of(check.path("data").path("stale").asText().split(","));
                }
            }
        } catch (Exception e) {
            // not answering: nothing listed
        }
        return List.of();
    }

    private static boolean ready(int port) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    private boolean segmentAfter(String camera, Instant after) {
        return segments.stream().anyMatch(s -> s.cameraId().equals(camera) && s.startedAt().isAfter(after));
    }

    private Optional<CameraStatus> latestStatus(String camera) {
        return statuses.stream().filter(s -> s.cameraId().equals(camera)).reduce((a, b) -> b);
    }

    private String doorStatesSince(Instant since) {
        return String.join(">", statuses.stream().filter(s -> s.cameraId().equals("door") && s.at().isAfter(since))
                .map(s -> s.state().wireName()).distinct().toList());
    }

    private int ownerPort(String camera) {
        String owner = latestStatus(camera).map(CameraStatus::instance).orElse("");
        return owner.equals("capture-b") ? servicePorts.getOrDefault("capture-b", -1)
                : servicePorts.getOrDefault("capture-service", -1);
    }

    private String metric(String service, String prefix) {
        return metricValue(servicePorts.getOrDefault(service, -1), prefix).map(v -> String.format("%.0f", v))
                .orElse("?");
    }

    private double sumMetric(String prefix) {
        double sum = 0;
        for (String capture : List.of("capture-service", "capture-b")) {
            sum += metricValues(servicePorts.getOrDefault(capture, -1), prefix).stream().mapToDouble(d -> d).sum();
        }
        return sum;
    }

    /** A service's metric, or 0 where it has no sample yet (a counter not incremented is not exported). */
    private double metricOr(String service, String prefix) {
        return metricValue(servicePorts.getOrDefault(service, -1), prefix).orElse(0.0);
    }

    private static Optional<Double> metricValue(int port, String prefix) {
        List<Double> v = metricValues(port, prefix);
        return v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }

    /** Values of the samples whose line starts with {@code prefix} (a name, or a name and the start of its labels). */
    private static List<Double> metricValues(int port, String prefix) {
        if (port < 0) {
            return List.of();
        }
        try {
            String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
            return body.lines().filter(l -> l.startsWith(prefix))
                    .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).toList();
        } catch (Exception e) {
            return List.of();
        }
    }

    private Set<String> storedEventIds() {
        Set<String> out = new HashSet<>();
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), EmbeddedPostgresServer.SUPERUSER, "");
                ResultSet rs = c.createStatement().executeQuery("select event_id from events.motion_events")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        } catch (Exception e) {
            // the database is coming back: the caller polls
        }
        return out;
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        if (awaitOptional(timeout, condition).isEmpty()) {
            throw new AssertionError(what + ": not within " + timeout.toSeconds() + " s");
        }
    }

    /** When {@code condition} first held, polling every 250 ms; empty when it did not within {@code timeout}. */
    private static Optional<Instant> awaitOptional(Duration timeout, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return Optional.of(Instant.now());
            }
            Thread.sleep(250);
        }
        return Optional.empty();
    }

    private static String seconds(Duration d) {
        return String.format("%.1f s", d.toMillis() / 1000.0);
    }
}
