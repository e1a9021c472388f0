package org.vigil.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

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
import org.vigil.contracts.Topics;
import org.vigil.devstack.testing.JavaCommand;
import org.vigil.devstack.testing.SharedServers;

/**
 * Camera ownership across capture instances, decided by Kafka: two capture-service JVMs share eight cameras; a
 * joining instance takes some over without both capturing one at once; a killed instance's cameras move to the
 * survivor within 30 s.
 */
class CaptureFailoverIT {

    private static final int CAMERAS = 8;
    private final List<Process> instances = new ArrayList<>();
    private final List<CameraStatus> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile boolean reading = true;

    @AfterEach
    void stopAll() {
        reading = false;
        instances.forEach(Process::destroyForcibly);
    }

    private Process capture(String instance, String bootstrap) throws Exception {
        Path jar = Stack.root().resolve("capture-service/target/quarkus-app/quarkus-run.jar");
        assertThat(jar).as("capture-service is built").exists();
        String sources = IntStream.rangeClosed(1, CAMERAS).mapToObj(i -> "fo" + i + "=test:?size=160x96&fps=5")
                .collect(Collectors.joining(","));
        Path log = Path.of("target", instance + ".log").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder(JavaCommand.of("-Xmx256m",
                "-XX:+UseSerialGC", "-jar", jar.toString())).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap,
                "QUARKUS_HTTP_PORT", Integer.toString(SharedServers.freePort()), "QUARKUS_MANAGEMENT_PORT",
                Integer.toString(SharedServers.freePort()), "VIGIL_INSTANCE", instance,
                "CAMERA_SOURCES", sources, "CAMERA_SITE", "failover", "VIGIL_CAPTURE_STATUS_INTERVAL", "1s"));
        Process p = pb.start();
        instances.add(p);
        return p;
    }

    /** Collects every camera status of the fo* cameras from the topic, in the background. */
    private void readStatuses(String bootstrap) {
        Thread t = new Thread(() -> {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(),
                    new ByteArrayDeserializer())) {
                List<TopicPartition> parts = c.partitionsFor(Topics.CAMERA_STATUS).stream()
                        .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
                c.assign(parts);
                c.seekToBeginning(parts);
                while (reading) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                        if (r.key() != null && r.key().startsWith("fo")) {
                            statuses.add(Json.read(r.value(), CameraStatus.class));
                        }
                    }
                }
            }
        }, "status-reader");
        t.setDaemon(true);
        t.start();
    }

    /** The instance that most recently reported each camera online. */
    private Map<String, String> owners() {
        Map<String, String> owners = new HashMap<>();
        synchronized (statuses) {
            statuses.stream().filter(s -> s.state() == CameraStatus.State.ONLINE)
                    .forEach(s -> owners.put(s.cameraId(), s.instance()));
        }
        return owners;
    }

    private Map<String, String> awaitOwners(java.util.function.Predicate<Map<String, String>> wanted, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, String> o = owners();
            if (o.size() == CAMERAS && wanted.test(o)) {
                return o;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("ownership never became as expected; last: " + owners());
    }

    @Test
    void aJoiningInstanceTakesCamerasOverAndAKilledOnesCamerasMoveWithin30Seconds() throws Exception {
        String bootstrap = SharedServers.kafka().bootstrapServers();
        readStatuses(bootstrap);
        capture("capture-a", bootstrap);
        awaitOwners(o -> o.values().stream().allMatch("capture-a"::equals), Duration.ofSeconds(120));

        Instant joined = Instant.now();
        capture("capture-b", bootstrap);
        Map<String, String> shared = awaitOwners(o -> o.containsValue("capture-b"), Duration.ofSeconds(120));
        assertThat(shared).containsValue("capture-a");
        // a moved camera: its last status from A comes before its first from B (A stopped it before B started it)
        for (String moved : shared.entrySet().stream().filter(e -> e.getValue().equals("capture-b"))
                .map(Map.Entry::getKey).toList()) {
            Instant lastA;
            Instant firstB;
            synchronized (statuses) {
                lastA = statuses.stream().filter(s -> s.cameraId().equals(moved) && s.instance().equals("capture-a")
                        && s.state() == CameraStatus.State.ONLINE).map(CameraStatus::at).max(Instant::compareTo)
                        .orElse(joined);
                firstB = statuses.stream().filter(s -> s.cameraId().equals(moved) && s.instance().equals("capture-b"))
                        .map(CameraStatus::at).min(Instant::compareTo).orElseThrow();
            }
            assertThat(lastA).as(moved + ": captured by A after B had started it").isBeforeOrEqualTo(firstB);
        }

        Process a = instances.get(0);
        a.toHandle().destroyForcibly();
        a.waitFor(30, TimeUnit.SECONDS);
        long t0 = System.nanoTime();
        awaitOwners(o -> o.values().stream().allMatch("capture-b"::equals), Duration.ofSeconds(30));
        long moved = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("a killed capture instance's cameras were online at the survivor %d ms later%n", moved);
        assertThat(moved).isLessThanOrEqualTo(30_000);
        assertThat(Files.exists(Path.of("target", "capture-b.log"))).isTrue();
    }
}
