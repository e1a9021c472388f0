package org.vigil.capture.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import org.bytedeco.javacpp.Loader;
import org.vigil.contracts.Topics;
import org.vigil.devstack.testing.RtspServer;
import org.vigil.devstack.testing.ServiceProcesses;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.devstack.testing.TestClips;
import org.vigil.devstack.testing.TopicProbe;

/**
 * CPU and memory per camera of the capture service, as it runs in production (its own JVM, packets to a real Kafka,
 * motion at 5 fps on a 640-wide frame; a further run adds its default previews and people detection), fed by
 * N looped-length 1080p15 H.264 RTSP cameras (GStreamer), against
 * {@code ffmpeg -rtsp_transport tcp -i rtsp://… -vf fps=5,scale=640:-2 -f null -} on the same streams, in the same
 * run. Then the same with a 360p sub-stream for analysis, analysed 640 wide and at the service's default 320 wide.
 * Memory per added camera: the capture JVM's resident set with N cameras against 1, beside ffmpeg's per stream.
 * Goals: &le; 8.3% of a core per camera (main stream, 640 wide), &le; 3% with a sub-stream (default analysis size),
 * &le; 30 MB per added camera.
 *
 * <p>Run: {@code bench/run capture-cameras [N]} (default 4; needs the capture service built, GStreamer's RTSP
 * server, and libpulse0 for the ffmpeg program).
 */
public final class CameraCostBench {

    /** Long enough for the JIT to finish with the service (on 2 cores, over a minute). */
    static final Duration WARM_UP = Duration.ofSeconds(120);
    static final Duration MEASURE = Duration.ofSeconds(30);

    private CameraCostBench() {
    }

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        if (!RtspServer.available()) {
            System.out.println("NOT MEASURED, input missing: " + RtspServer.unavailableReason());
            System.exit(3);
        }
        if (Media.file("one-by-one-person-detection.mp4").isEmpty()) {
            System.out.println("NOT MEASURED, input missing: " + Media.missing("one-by-one-person-detection.mp4"));
            System.exit(3);
        }
        Path dir = Files.createDirectories(Path.of("target", "bench-clips"));
        int frames = (int) ((WARM_UP.toSeconds() + MEASURE.toSeconds() + 30) * 15);
        Path main = clip(dir, 1920, 1080, frames);
        Path sub = clip(dir, 640, 360, frames);
        String bootstrap = SharedServers.kafka().bootstrapServers();
        boolean ok = true;

        List<RtspServer> mains = servers(main, n, "/main");
        List<RtspServer> subs = servers(sub, n, "/sub");
        try {
            Sample ff = measure(ffmpeg(mains.stream().map(RtspServer::url).toList()), n);
            Sample vigil = run(bootstrap, "main", mains, null, false);
            Sample vigilSub = run(bootstrap, "sub", mains, subs, false);
            Sample vigilSub320 = run(bootstrap, "subd", mains, subs, false, "320");
            Sample full = run(bootstrap, "full", mains, null, true);
            Sample one = run(bootstrap, "one", mains.subList(0, 1), null, false);

            System.out.printf("%d cameras, 1080p15 H.264 over RTSP; %d s measured after %d s warm-up%n", n,
                    MEASURE.toSeconds(), WARM_UP.toSeconds());
            System.out.printf("  ffmpeg fps=5,scale=640 per stream       %5.1f%% of a core, %4.0f MB%n", ff.cpuPerCamera(),
                    ff.rssMb / n);
            System.out.printf("  vigil per camera (main stream)          %5.1f%% of a core   ratio %.2f   goal <= 8.3%%: %s%n",
                    vigil.cpuPerCamera(), vigil.cpuPerCamera() / ff.cpuPerCamera(), verdict(vigil.cpuPerCamera() <= 8.3));
            System.out.printf("  vigil per camera (360p sub-stream, analysed 640 wide like the main) %.1f%% of a core   "
                    + "ratio %.2f%n", vigilSub.cpuPerCamera(), vigilSub.cpuPerCamera() / ff.cpuPerCamera());
            System.out.printf("  vigil per camera (360p sub-stream, analysed at the default 320 wide) %.1f%% of a core   "
                    + "goal <= 3%%: %s%n", vigilSub320.cpuPerCamera(), verdict(vigilSub320.cpuPerCamera() <= 3));
            System.out.printf("  vigil per camera, main stream, with previews and people detection on (defaults): "
                    + "%.1f%% of a core%n", full.cpuPerCamera());
            double perAdded = (vigil.rssMb - one.rssMb) / (n - 1);
            System.out.printf("  vigil memory per added camera           %5.1f MB (1 camera %.0f MB, %d cameras %.0f MB)   "
                    + "ffmpeg %.0f MB per stream   goal <= 30 MB: %s%n", perAdded, one.rssMb, n, vigil.rssMb,
                    ff.rssMb / n, verdict(perAdded <= 30));
            ok = vigil.cpuPerCamera() <= 8.3 && vigilSub320.cpuPerCamera() <= 3 && perAdded <= 30;
        } finally {
            mains.forEach(RtspServer::close);
            subs.forEach(RtspServer::close);
        }
        System.exit(ok ? 0 : 1);
    }

    /**
     * One capture JVM over fresh streams and fresh camera ids, measured; its cameras are then deleted from the
     * registry (tombstones), so the next instance does not capture them too.
     */
    private static Sample run(String bootstrap, String name, List<RtspServer> mains, List<RtspServer> subs,
            boolean extras) throws Exception {
        return run(bootstrap, name, mains, subs, extras, "640");
    }

    private static Sample run(String bootstrap, String name, List<RtspServer> mains, List<RtspServer> subs,
            boolean extras, String analysisWidth) throws Exception {
        restart(mains);
        if (subs != null) {
            restart(subs);
        }
        try {
            return measure(List.of(capture(bootstrap, name, sources(name, mains, subs), extras, analysisWidth)),
                    mains.size());
        } finally {
            for (int i = 0; i < mains.size(); i++) {
                TopicProbe.send(bootstrap, Topics.CAMERAS, name + i, null);
            }
        }
    }

    private static String verdict(boolean met) {
        return met ? "met" : "MISSED";
    }

    /** CPU time and resident memory of a set of processes over the measurement window. */
    record Sample(double cpuPercent, double rssMb, int cameras) {
        double cpuPerCamera() {
            return cpuPercent / cameras;
        }
    }

    private static Sample measure(List<Process> processes, int cameras) throws Exception {
        try {
            Thread.sleep(WARM_UP.toMillis());
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("a measured process died: " + p.info().commandLine().orElse("?"));
                }
            }
            long t0 = System.nanoTime();
            long c0 = ServiceProcesses.cpuTicks(processes);
            Thread.sleep(MEASURE.toMillis());
            long c1 = ServiceProcesses.cpuTicks(processes);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double rss = 0;
            for (Process p : processes) {
                rss += ServiceProcesses.rssKb(p.pid()) / 1024.0;
            }
            return new Sample(100.0 * (c1 - c0) / ServiceProcesses.TICKS_PER_SECOND / seconds, rss, cameras);
        } finally {
            for (Process p : processes) {
                p.destroy();
                p.waitFor();
            }
        }
    }



    private static Path clip(Path dir, int w, int h, int frames) throws Exception {
        Path real = Media.file("one-by-one-person-detection.mp4").orElseThrow();
        Path out = dir.resolve("one-by-one-" + h + "p15-" + frames + ".ts");
        if (!Files.exists(out)) {
            System.out.println("encoding " + out.getFileName() + " (once)...");
            TestClips.Clip c = TestClips.reencode(real, w, h, 15, 30, frames);
            TestClips.writeTs(c, 15, out);
        }
        return out;
    }

    private static List<RtspServer> servers(Path clip, int n, String mount) throws Exception {
        List<RtspServer> s = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            s.add(new RtspServer(clip, SharedServers.freePort(), mount, null, null).start());
        }
        return s;
    }

    /** Each measurement starts the clips from their beginning, so no run sees the end of a stream. */
    private static void restart(List<RtspServer> servers) throws Exception {
        for (RtspServer s : servers) {
            s.stop();
            s.start();
        }
    }

    /** Fresh camera ids per run: the registry keeps what an earlier run registered under the same id. */
    private static String sources(String run, List<RtspServer> mains, List<RtspServer> subs) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < mains.size(); i++) {
            out.add(run + i + "=" + mains.get(i).url() + (subs == null ? "" : "|" + subs.get(i).url()));
        }
        return out.stream().collect(Collectors.joining(","));
    }

    private static List<Process> ffmpeg(List<String> urls) throws Exception {
        String ffmpeg = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        List<Process> ps = new ArrayList<>();
        for (String url : urls) {
            ps.add(new ProcessBuilder(ffmpeg, "-hide_banner", "-loglevel", "error", "-rtsp_transport", "tcp", "-i", url,
                    "-vf", "fps=5,scale=640:-2", "-f", "null", "-").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        }
        return ps;
    }

    /**
     * The capture service in its own JVM, analysing at 640 wide. The goal's workload is capture, packets to Kafka and
     * motion, so previews and people detection are off unless {@code extras}. The heap is fixed and touched up front,
     * so that resident memory differences are the cameras', not the heap's growth.
     */
    private static Process capture(String bootstrap, String instance, String sources, boolean extras,
            String analysisWidth) throws Exception {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath();
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " missing: build the capture service first (./mvnw -pl capture-service "
                    + "package)");
        }
        Map<String, String> env = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap, "QUARKUS_HTTP_PORT",
                Integer.toString(SharedServers.freePort()), "VIGIL_INSTANCE", instance, "CAMERA_SOURCES", sources,
                "CAMERA_SITE", instance, "VIGIL_CAPTURE_ANALYSIS_WIDTH", analysisWidth, "QUARKUS_MANAGEMENT_PORT",
                Integer.toString(SharedServers.freePort())));
        if (!extras) {
            env.put("VIGIL_CAPTURE_DETECTOR_ENABLED", "false");
            env.put("VIGIL_CAPTURE_PREVIEW_FPS", "0.001");
        }
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xms256m",
                "-Xmx256m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC", "-jar", jar.toString()).redirectErrorStream(true)
                .redirectOutput(Path.of("target", instance + ".log").toFile());
        pb.environment().putAll(env);
        return pb.start();
    }
}
