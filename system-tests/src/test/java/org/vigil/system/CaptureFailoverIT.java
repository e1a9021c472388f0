package org.vigil.system;

import static org.assertj.core.api.Assertions.assertThat;

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
 * Camera ownership across capture instances, decided by Kafka, within each site (design 0005, 0018 §6): two sites,
 * north and south, with four cameras each and two capture-service JVMs each. A joining instance takes some of its
 * site's cameras over without both capturing one at once; a killed instance's cameras move to its site's survivor
 * within 30 s; a site with no instance left has its cameras captured by no one, never by the other site's instances.
 */
class CaptureFailoverIT {

    private static final int PER_SITE = 4;
    private final Map<String, Process> instances = new java.util.LinkedHashMap<>();
    private final List<CameraStatus> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile boolean reading = true;

    @AfterEach
    void stopAll() {
        reading = false;
        instances.values().forEach(Process::destroyForcibly);
    }

    private static List<String> cameras(String site) {
        return IntStream.rangeClosed(1, PER_SITE).mapToObj(i -> "fo-" + site + i).toList();
    }

    /** Starts capture instance {@code <site>-<n>}; each instance of a site registers the site's cameras. */
    private void capture(String site, int n, String bootstrap) throws Exception {
        String instance = site + "-" + n;
        Path jar = Stack.root().resolve("capture-service/target/quarkus-app/quarkus-run.jar");
        assertThat(jar).as("capture-service is built").exists();
        String sources = cameras(site).stream().map(id -> id + "=test:?size=160x96&fps=5")
                .collect(Collectors.joining(","));
        Path log = Path.of("target", "capture-" + instance + ".log").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder(JavaCommand.of("-Xmx256m",
                "-XX:+UseSerialGC", "-jar", jar.toString())).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap,
                "QUARKUS_HTTP_PORT", Integer.toString(SharedServers.freePort()), "QUARKUS_MANAGEMENT_PORT",
                Integer.toString(SharedServers.freePort()), "VIGIL_INSTANCE", instance,
                "CAMERA_SOURCES", sources, "VIGIL_SITE", site, "VIGIL_CAPTURE_STATUS_INTERVAL", "1s"));
        instances.put(instance, pb.start());
    }

    private void kill(String instance) throws InterruptedException {
        Process p = instances.get(instance);
        p.toHandle().destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    /** Collects every camera status of the fo-* cameras from the topic, in the background. */
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
                        if (r.key() != null && r.key().startsWith("fo-")) {
                            statuses.add(Json.read(r.value(), CameraStatus.class));
                        }
                    }
                }
            }
        }, "status-reader");
        t.setDaemon(true);
        t.start();
    }

    /** The instance that most recently reported each camera of {@code site} online. */
    private Map<String, String> owners(String site) {
        Map<String, String> owners = new HashMap<>();
        synchronized (statuses) {
            statuses.stream().filter(s -> s.state() == CameraStatus.State.ONLINE && s.site().equals(site))
                    .forEach(s -> owners.put(s.cameraId(), s.instance()));
        }
        return owners;
    }

    private Map<String, String> awaitOwners(String site, java.util.function.Predicate<Map<String, String>> wanted,
            Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, String> o = owners(site);
            if (o.size() == PER_SITE && wanted.test(o)) {
                return o;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(site + "'s ownership never became as expected; last: " + owners(site));
    }

    /** Every status so far came from an instance of the camera's own site. */
    private void assertCapturedOnlyAtTheirOwnSite() {
        synchronized (statuses) {
            assertThat(statuses).allSatisfy(s -> assertThat(s.instance()).as(s.cameraId() + " captured by")
                    .startsWith(s.site() + "-"));
        }
    }

    /** A moved camera's last status from {@code from} comes before its first from {@code to}. */
    private void assertHandedOver(Map<String, String> shared, String from, String to, Instant since) {
        for (String moved : shared.entrySet().stream().filter(e -> e.getValue().equals(to))
                .map(Map.Entry::getKey).toList()) {
            Instant lastFrom;
            Instant firstTo;
            synchronized (statuses) {
                lastFrom = statuses.stream().filter(s -> s.cameraId().equals(moved) && s.instance().equals(from)
                        && s.state() == CameraStatus.State.ONLINE).map(CameraStatus::at).max(Instant::compareTo)
                        .orElse(since);
                firstTo = statuses.stream().filter(s -> s.cameraId().equals(moved) && s.instance().equals(to))
                        .map(CameraStatus::at).min(Instant::compareTo).orElseThrow();
            }
            assertThat(lastFrom).as(moved + ": captured by " + from + " after " + to + " had started it")
                    .isBeforeOrEqualTo(firstTo);
        }
    }

    /** Kills {@code dead} and answers how long until its site's cameras were all online at {@code survivor}. */
    private long failover(String site, String dead, String survivor) throws InterruptedException {
        kill(dead);
        long t0 = System.nanoTime();
        awaitOwners(site, o -> o.values().stream().allMatch(survivor::equals), Duration.ofSeconds(30));
        long moved = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("%s killed: its cameras were online at %s %d ms later%n", dead, survivor, moved);
        return moved;
    }

    @Test
    void camerasStayAtTheirSiteThroughJoinsKillsAndASiteWithNoInstanceLeft() throws Exception {
        String bootstrap = SharedServers.kafka().bootstrapServers();
        readStatuses(bootstrap);
        capture("north", 1, bootstrap);
        capture("south", 1, bootstrap);
        awaitOwners("north", o -> o.values().stream().allMatch("north-1"::equals), Duration.ofSeconds(120));
        awaitOwners("south", o -> o.values().stream().allMatch("south-1"::equals), Duration.ofSeconds(120));

        // a second north instance joins: it takes some of north's cameras, none of south's
        Instant joined = Instant.now();
        capture("north", 2, bootstrap);
        Map<String, String> shared = awaitOwners("north", o -> o.containsValue("north-2"), Duration.ofSeconds(120));
        assertThat(shared).containsValue("north-1");
        assertHandedOver(shared, "north-1", "north-2", joined);
        assertThat(owners("south").values()).containsOnly("south-1");

        // one instance killed at a time: its cameras move to its own site's survivor within 30 s
        assertThat(failover("north", "north-1", "north-2")).isLessThanOrEqualTo(30_000);
        capture("south", 2, bootstrap);
        awaitOwners("south", o -> o.containsValue("south-2"), Duration.ofSeconds(120));
        assertThat(failover("south", "south-1", "south-2")).isLessThanOrEqualTo(30_000);
        assertCapturedOnlyAtTheirOwnSite();

        // north's last instance killed: south's goes on, and never takes north's cameras. Witness: south-2 reports
        // each of its cameras online three more times (every second) after north's session timeout (10 s) has passed
        Instant killed = Instant.now();
        kill("north-2");
        Instant quietFrom = killed.plusSeconds(12);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            long reports;
            synchronized (statuses) {
                reports = statuses.stream().filter(s -> s.instance().equals("south-2") && s.at().isAfter(quietFrom)
                        && s.state() == CameraStatus.State.ONLINE).count();
            }
            if (reports >= 3L * PER_SITE) {
                break;
            }
            assertThat(System.nanoTime()).as("south-2 kept reporting").isLessThan(deadline);
            Thread.sleep(200);
        }
        synchronized (statuses) {
            assertThat(statuses.stream().filter(s -> s.site().equals("north") && s.at().isAfter(killed)))
                    .as("north's cameras after its last instance died").isEmpty();
        }
        assertCapturedOnlyAtTheirOwnSite();
    }
}
