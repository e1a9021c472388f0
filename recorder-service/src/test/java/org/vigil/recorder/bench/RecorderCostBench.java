package org.vigil.recorder.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.bytedeco.javacpp.Loader;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.StreamParams;
import org.vigil.contracts.Topics;
import org.vigil.devstack.testing.ServiceProcesses;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.devstack.testing.TestClips;
import org.vigil.devstack.testing.TopicProbe;

/**
 * The recorder service in its own JVM (as {@code ./vigil up} starts it) recording N 1080p15 cameras sent in real time
 * through Kafka: CPU per camera, resident memory, and completeness (every frame sent is in a segment, once).
 * Baseline: N {@code ffmpeg -re -stream_loop -1 -i clip.ts -c copy -f segment -segment_time 60} processes over the
 * same window. Goal: < 2 % of a core per camera.
 */
public final class RecorderCostBench {

    static final Duration WARM_UP = Duration.ofSeconds(20);
    static final Duration MEASURE = Duration.ofSeconds(60);

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        Path work = Path.of("target", "bench-recorder").toAbsolutePath();
        Path ts = BenchClip.ts(work, 30 * BenchClip.FPS);
        TestClips.Clip clip = TestClips.packets(ts);
        String bootstrap = SharedServers.kafka().bootstrapServers();
        String run = "cost-" + UUID.randomUUID().toString().substring(0, 6);
        Path dir = work.resolve(run);
        Files.createDirectories(dir);
        List<String> cameras = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = run + "-" + i;
            cameras.add(id);
            TopicProbe.send(bootstrap, Topics.CAMERAS, id, Json.write(new CameraConfig(CameraConfig.VERSION, id, id,
                    "bench", "test:", null, true, 0.5, null, null, Instant.now(), "bench")));
        }

        int port = SharedServers.freePort();
        int management = SharedServers.freePort();
        Process recorder = recorder(bootstrap, dir, port, management);
        ServiceProcesses.awaitReady(management, recorder, Duration.ofSeconds(90));
        Cameras sender = new Cameras(bootstrap, cameras, clip);
        sender.start();
        Thread.sleep(WARM_UP.toMillis());
        Sample vigil = sample(List.of(recorder), n);
        sender.stop();
        long sentPerCamera = sender.sent.get();
        awaitWritten(port, sentPerCamera * n, recorder);
        recorder.destroy(); // SIGTERM: open segments are closed and made durable
        recorder.waitFor();
        Completeness c = completeness(dir, cameras);

        List<Process> ffmpegs = ffmpeg(ts, work.resolve(run + "-ffmpeg"), n);
        Thread.sleep(WARM_UP.toMillis());
        Sample ff = sample(ffmpegs, n);
        ffmpegs.forEach(Process::destroy);

        double ratio = vigil.cpuPerCamera() / ff.cpuPerCamera();
        System.out.printf("%d cameras, 1080p15, %.1f Mbit/s each, measured %d s after %d s of warm-up%n", n,
                clip.packets().stream().mapToLong(p -> p.data().length).sum() * 8.0 / (clip.packets().size() / 15.0)
                        / 1e6, MEASURE.toSeconds(), WARM_UP.toSeconds());
        System.out.printf("  Vigil recorder (Kafka -> AVI)       %5.2f%% of a core per camera, RSS %4.0f MB%n",
                vigil.cpuPerCamera(), vigil.rssMb);
        System.out.printf("  ffmpeg -c copy -> AVI segments      %5.2f%% of a core per camera, %4.0f MB per process%n",
                ff.cpuPerCamera(), ff.rssMb / n);
        System.out.printf("  ratio %.2f   goal < 2%% per camera: %s%n", ratio, vigil.cpuPerCamera() < 2 ? "met"
                : "MISSED");
        System.out.printf("  completeness: %d of %d frames on disk (%.3f%%), %d written twice, %d segments, "
                + "%d files partial%n", c.frames, sentPerCamera * n, 100.0 * c.frames / (sentPerCamera * n),
                c.duplicates, c.segments, c.partial);
        boolean ok = vigil.cpuPerCamera() < 2 && c.frames == sentPerCamera * n && c.duplicates == 0 && c.partial == 0;
        System.exit(ok ? 0 : 1);
    }

    /** N cameras sending the looped clip in real time, one session each. */
    static final class Cameras implements Runnable {
        final AtomicLong sent = new AtomicLong();
        private final String bootstrap;
        private final List<String> cameras;
        private final TestClips.Clip clip;
        private volatile boolean running = true;
        private Thread thread;

        Cameras(String bootstrap, List<String> cameras, TestClips.Clip clip) {
            this.bootstrap = bootstrap;
            this.cameras = cameras;
            this.clip = clip;
        }

        void start() {
            thread = new Thread(this, "cameras");
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
        }

        @Override
        public void run() {
            StreamParams params = new StreamParams(clip.codec(), clip.width(), clip.height(), BenchClip.FPS, 1,
                    clip.extradata());
            String session = UUID.randomUUID().toString();
            long t0 = System.nanoTime();
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                    "max.request.size", 16 << 20, "linger.ms", 5), new StringSerializer(), new ByteArraySerializer())) {
                for (long seq = 0; running; seq++) {
                    TestClips.ClipPacket cp = clip.packets().get((int) (seq % clip.packets().size()));
                    long wall = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
                    for (String id : cameras) {
                        MediaPacket mp = new MediaPacket(id, session, seq, seq, seq, 1, BenchClip.FPS, cp.keyFrame(),
                                wall, clip.codec(), cp.keyFrame() ? params : null, cp.data());
                        ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.MEDIA, id, cp.data());
                        mp.writeHeaders(r.headers());
                        p.send(r);
                    }
                    p.flush();
                    sent.set(seq + 1);
                    long next = t0 + (seq + 1) * 1_000_000_000L / BenchClip.FPS;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    record Sample(double cpuPercent, double rssMb, int cameras) {
        double cpuPerCamera() {
            return cpuPercent / cameras;
        }
    }

    record Completeness(long frames, long duplicates, int segments, int partial) {
    }

    private static Sample sample(List<Process> processes, int cameras) throws Exception {
        long t0 = System.nanoTime();
        long c0 = ServiceProcesses.cpuTicks(processes);
        Thread.sleep(MEASURE.toMillis());
        long c1 = ServiceProcesses.cpuTicks(processes);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double rss = 0;
        for (Process p : processes) {
            if (!p.isAlive()) {
                throw new IllegalStateException("a measured process died");
            }
            rss += ServiceProcesses.rssKb(p.pid()) / 1024.0;
        }
        return new Sample(100.0 * (c1 - c0) / ServiceProcesses.TICKS_PER_SECOND / seconds, rss, cameras);
    }

    /** Frames in the segments on disk (final or recovered), per camera and sequence number. */
    private static Completeness completeness(Path dir, List<String> cameras) throws Exception {
        Map<String, Set<Long>> seqs = new HashMap<>();
        long frames = 0;
        long dups = 0;
        int segments = 0;
        int partial = 0;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".avi.partial")) {
                    partial++;
                }
                if (!name.endsWith(".avi")) {
                    continue;
                }
                Path idx = Files.exists(Path.of(f + ".idx")) ? Path.of(f + ".idx") : Path.of(f + ".idx.partial");
                List<String> lines = Files.readAllLines(idx);
                String camera = lines.get(1).split(" ")[0].substring("camera=".length());
                for (String line : lines.subList(2, lines.size())) {
                    frames++;
                    if (!seqs.computeIfAbsent(camera, k -> new HashSet<>()).add(Long.parseLong(line.split(" ")[3]))) {
                        dups++;
                    }
                }
                segments++;
            }
        }
        return new Completeness(frames - dups, dups, segments, partial);
    }

    private static void awaitWritten(int port, long expected, Process recorder) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        double written = 0;
        while (System.nanoTime() < deadline && recorder.isAlive()) {
            String m = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            written = m.lines().filter(l -> l.startsWith("vigil_recorder_packets_total{") && l.contains(
                    "outcome=\"written\"")).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                    .sum();
            if (written >= expected) {
                return;
            }
            Thread.sleep(200);
        }
        System.out.printf("  (only %.0f of %d packets were written before the deadline)%n", written, expected);
    }

    private static Process recorder(String bootstrap, Path dir, int port, int management) throws Exception {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath();
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " missing: build the recorder first (./mvnw -pl recorder-service "
                    + "package)");
        }
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx384m",
                "-XX:+UseSerialGC", "-jar", jar.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolveSibling(dir.getFileName() + "-recorder.log").toFile());
        pb.environment().putAll(Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap, "QUARKUS_HTTP_PORT",
                Integer.toString(port), "RECORDINGS_DIR", dir.toString(), "RECORDINGS_MIN_FREE", "256M",
                "VIGIL_GATEWAY_URL", "http://127.0.0.1:9", "QUARKUS_MANAGEMENT_PORT", Integer.toString(management)));
        return pb.start();
    }


    private static List<Process> ffmpeg(Path ts, Path dir, int n) throws Exception {
        String ffmpeg = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path out = Files.createDirectories(dir.resolve(Integer.toString(i)));
            ps.add(new ProcessBuilder(ffmpeg, "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i",
                    ts.toString(), "-c", "copy", "-f", "segment", "-segment_time", "60", "-reset_timestamps", "1",
                    out.resolve("seg%05d.avi").toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        }
        return ps;
    }


}
