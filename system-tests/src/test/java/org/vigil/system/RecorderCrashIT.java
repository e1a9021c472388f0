package org.vigil.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.SegmentClosed;
import org.vigil.contracts.StreamParams;
import org.vigil.contracts.Topics;
import org.vigil.devstack.testing.JavaCommand;
import org.vigil.devstack.testing.ServiceProcesses;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.devstack.testing.TestClips;
import org.vigil.devstack.testing.TopicProbe;

/**
 * The recorder killed with SIGKILL in the middle of its segments while cameras keep sending: after a restart, every
 * file on disk is either a complete, indexed segment or in quarantine; every segment decodes to the frames its index
 * lists; and each camera's packets are on disk exactly once, none lost, none twice.
 */
class RecorderCrashIT {

    private static final int CAMERAS = 4;
    private static final int FPS = 10;
    private final List<Process> recorders = new ArrayList<>();
    private volatile boolean sending = true;

    @AfterEach
    void stop() {
        sending = false;
        recorders.forEach(Process::destroyForcibly);
    }

    private Process recorder(String bootstrap, Path dir, int run) throws Exception {
        Path jar = Stack.root().resolve("recorder-service/target/quarkus-app/quarkus-run.jar");
        assertThat(jar).as("recorder-service is built").exists();
        Path log = Path.of("target", "recorder-crash-" + run + ".log").toAbsolutePath();
        int port = SharedServers.freePort();
        int management = SharedServers.freePort();
        ProcessBuilder pb = new ProcessBuilder(JavaCommand.of("-Xmx256m",
                "-XX:+UseSerialGC", "-jar", jar.toString())).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap, "QUARKUS_HTTP_PORT",
                Integer.toString(port), "RECORDINGS_DIR", dir.toString(), "RECORDINGS_MIN_FREE", "64M",
                "VIGIL_RECORDER_SEGMENT_LENGTH", "3s", "VIGIL_RECORDER_COMMIT_INTERVAL", "500ms",
                "VIGIL_GATEWAY_URL", "http://127.0.0.1:9", "QUARKUS_MANAGEMENT_PORT", Integer.toString(management)));
        Process p = pb.start();
        recorders.add(p);
        ServiceProcesses.awaitReady(management, p, Duration.ofSeconds(90)); // its log: target/recorder-crash-<run>.log
        return p;
    }


    @Test
    void afterAKill9EveryFileIsIndexedOrQuarantinedEverySegmentDecodesAndNoPacketIsLostOrDoubled() throws Exception {
        String bootstrap = SharedServers.kafka().bootstrapServers();
        Path dir = Files.createDirectories(Path.of("target", "crash-recordings-" + UUID.randomUUID())
                .toAbsolutePath());
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<String> cameras = new ArrayList<>();
        for (int i = 0; i < CAMERAS; i++) {
            String id = "crash-" + run + "-" + i;
            cameras.add(id);
            TopicProbe.send(bootstrap, Topics.CAMERAS, id, Json.write(new CameraConfig(CameraConfig.VERSION, id, id,
                    "crash", "test:", null, true, 0.5, null, null, Instant.now(), "test")));
        }
        TestClips.Clip clip = TestClips.h264(4, FPS, 320, 180, FPS);
        StreamParams params = new StreamParams("h264", clip.width(), clip.height(), FPS, 1, clip.extradata());

        recorder(bootstrap, dir, 1);
        // cameras send in real time, from before the kill until after the restart
        AtomicInteger sent = new AtomicInteger();
        Thread producer = new Thread(() -> {
            String session = UUID.randomUUID().toString();
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                    "linger.ms", 5), new StringSerializer(), new ByteArraySerializer())) {
                for (int seq = 0; sending; seq++) {
                    TestClips.ClipPacket cp = clip.packets().get(seq % clip.packets().size());
                    long wall = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
                    for (String id : cameras) {
                        MediaPacket mp = new MediaPacket(id, session, seq, seq, seq, 1, FPS, cp.keyFrame(), wall,
                                "h264", cp.keyFrame() ? params : null, cp.data());
                        ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.MEDIA, id, cp.data());
                        mp.writeHeaders(r.headers());
                        p.send(r);
                    }
                    p.flush();
                    sent.set(seq + 1);
                    Thread.sleep(1000 / FPS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "cameras");
        producer.start();

        // kill when segments are being closed and others are open, half-way into the 3 s target
        Map<String, SegmentClosed> announced = new ConcurrentHashMap<>();
        TopicProbe.await(bootstrap, Topics.SEGMENTS, Duration.ofSeconds(60), r -> {
            SegmentClosed s = Json.read(r.value(), SegmentClosed.class);
            return cameras.contains(s.cameraId()) ? s : null;
        });
        Thread.sleep(1500); // position the kill inside the next segments; correctness does not depend on it
        Process first = recorders.get(0);
        first.toHandle().destroyForcibly();
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        int atKill = sent.get();
        long partialsAfterKill = partials(dir);
        assertThat(partialsAfterKill).as("the kill interrupted open segments").isPositive();

        recorder(bootstrap, dir, 2);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (sent.get() < atKill + 3 * FPS && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        sending = false;
        producer.join(10_000);
        int total = sent.get();

        // every packet of every camera ends up in announced segments (the open ones close after 8 idle seconds)
        TopicProbe.await(bootstrap, Topics.SEGMENTS, Duration.ofSeconds(90), r -> {
            SegmentClosed s = Json.read(r.value(), SegmentClosed.class);
            if (cameras.contains(s.cameraId())) {
                announced.put(s.segmentId(), s);
            }
            return cameras.stream().allMatch(c -> announced.values().stream().filter(x -> x.cameraId().equals(c))
                    .mapToLong(SegmentClosed::frames).sum() >= total) ? true : null;
        });

        // the last announcements are followed by their renames (state 2 to 3) within moments
        long settle = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (partials(dir) > 0 && System.nanoTime() < settle) {
            Thread.sleep(100);
        }
        Map<String, TreeMap<Long, Integer>> seqs = new HashMap<>();
        int segments = 0;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                String rel = dir.relativize(f).toString();
                if (rel.startsWith(".")) {
                    continue; // .quarantine, and .audit-spool (the audit entries waiting for Kafka): not recordings
                }
                assertThat(rel).as("left half-done").doesNotEndWith(".partial");
                if (!rel.endsWith(".avi")) {
                    assertThat(rel).endsWith(".avi.idx");
                    continue;
                }
                Path idx = Path.of(f + ".idx");
                assertThat(idx).as(rel + " is indexed").exists();
                List<String> lines = Files.readAllLines(idx);
                String camera = lines.get(1).split(" ")[0].substring("camera=".length());
                for (String line : lines.subList(2, lines.size())) {
                    seqs.computeIfAbsent(camera, k -> new TreeMap<>()).merge(Long.parseLong(line.split(" ")[3]), 1,
                            Integer::sum);
                }
                assertThat(TestClips.decodedFrames(f)).as(rel + " decodes to its indexed frames")
                        .isEqualTo(lines.size() - 2);
                segments++;
            }
        }
        System.out.printf("recorder killed after %d packets/camera with %d partial files; %d segments on disk, %d "
                + "packets/camera sent%n", atKill, partialsAfterKill, segments, total);
        for (String c : cameras) {
            TreeMap<Long, Integer> got = seqs.get(c);
            assertThat(got).as(c + " has segments").isNotNull();
            assertThat(got.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList())
                    .as(c + ": packets written twice").isEmpty();
            assertThat(got.firstKey()).isZero();
            assertThat(got.lastKey()).isEqualTo(total - 1);
            assertThat(got).as(c + ": every packet on disk").hasSize(total);
        }
    }

    /**
     * Segment files not in their final state, outside the quarantine. A recorder renames files while this walks the
     * tree (a walk fails on an entry that vanished under it): such a walk is simply taken again.
     */
    private static long partials(Path dir) throws java.io.IOException {
        while (true) {
            try (Stream<Path> s = Files.walk(dir)) {
                return s.filter(p -> p.toString().endsWith(".partial"))
                        .filter(p -> !dir.relativize(p).toString().startsWith(".quarantine")).count();
            } catch (java.io.UncheckedIOException e) {
                if (!(e.getCause() instanceof java.nio.file.NoSuchFileException)) {
                    throw e;
                }
            }
        }
    }
}
