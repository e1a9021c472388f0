package org.vigil.system.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import org.vigil.contracts.Json;
import org.vigil.devstack.testing.RtspServer;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.system.Stack;
import org.vigil.system.bench.StackCamerasBench.Floor;
import org.vigil.system.bench.StackCamerasBench.Usage;

/**
 * A site node on this machine (issue 23): {@code ./vigil up} with N cameras of real footage at 1080p15 H.264 (about
 * 4 Mbit/s) and 360p sub-streams, served by GStreamer's RTSP server and added through the API, defaults as shipped.
 * It answers whether the node keeps every frame and how much of the machine is left:
 * <ul>
 * <li><b>frames</b>: each RTSP server counts the frames it sends; when the run ends, each clip is ended (EOS, so
 * what was sent is still delivered), the recorder closes its segments, and every camera's frames on disk (the
 * segments' frame indexes) must equal what its server sent, each capture session's packet numbers without a
 * gap;</li>
 * <li><b>the machine</b>: its idle share over the window (from {@code /proc/stat}), the RTSP servers' own CPU counted
 * as free, since at a site the cameras are not on the node; goal &ge; 30 %;</li>
 * <li><b>motion events</b> from every camera, read back through the API;</li>
 * <li><b>the cost per camera</b> of the whole stack (marginal, against the same stack without cameras), as
 * {@code bench/run stack-cameras} reports it, against FFmpeg's floor on the same streams and, where Debian's
 * {@code motion} is installed, Motion 4.5 detecting on the sub-stream and recording the main stream by
 * passthrough, all in the same run.</li>
 * </ul>
 * {@code SITE_HOT_MBITS=16} makes the first camera a 16 Mbit/s stream (film grain added, so that the encoder uses the
 * rate) with a key frame every second beside the others: it must not starve them (every camera's frames are checked the same way).
 *
 * <p>The cameras are added one after another, {@code SITE_STAGGER_MS} apart (by default the footage's length over N,
 * about 8.7 s for 16), so that their footage is out of step as a real site's is; the settling time counts from the
 * last. FFmpeg's floor and Motion read the servers all at once, in step.
 *
 * <p>Run: {@code bench/run site-node [N] [sub|main]} (default 16 sub). {@code SITE_SETTLE} (90 s) and
 * {@code SITE_WINDOW} (60 s) set the warm-up and the window; {@code SITE_BASELINES=0} skips FFmpeg and Motion (to find
 * quickly where frames first drop). The recorder closes a quiet camera's segment after 5 s
 * here ({@code VIGIL_RECORDER_IDLE_CLOSE}, otherwise the segment length plus 5 s) so the count can be taken soon after
 * the clips end. Exits 1 when a goal is missed, 3 when it cannot run.
 */
public final class SiteNodeBench {

    private static final Duration SETTLE = Duration.ofSeconds(Long.parseLong(StackCamerasBench.env("SITE_SETTLE", "90")));
    private static final Duration WINDOW = Duration.ofSeconds(Long.parseLong(StackCamerasBench.env("SITE_WINDOW", "60")));
    private static final int HOT_MBITS = Integer.parseInt(StackCamerasBench.env("SITE_HOT_MBITS", "0"));
    private static final Path MOTION = Path.of("/usr/bin/motion");
    private static final String ID = "node";
    /** SITE_BASELINES=0 skips FFmpeg's floor and Motion: quicker runs to find where frames first drop. */
    private static final boolean BASELINES = !StackCamerasBench.env("SITE_BASELINES", "1").equals("0");
    private static final int CORES = Runtime.getRuntime().availableProcessors();

    private SiteNodeBench() {
    }

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        boolean sub = args.length < 2 || !args[1].equals("main");
        Path footage = StackCamerasBench.footageOrExit("site-node");
        Duration stagger = StackCamerasBench.stagger(footage, n, "SITE_STAGGER_MS");
        // each run plays the clip once from its start; the first camera added plays longest
        long clipSeconds = SETTLE.toSeconds() + WINDOW.toSeconds() + 60 + stagger.multipliedBy(n - 1).toSeconds();
        Path home = Path.of("target", "bench-site-node").toAbsolutePath();
        CameraOpsBench.deleteTree(home);
        Files.createDirectories(home);
        Path main = StackCamerasBench.clip(footage, home.resolveSibling("stack-1080p15-" + clipSeconds + ".ts"), 1920,
                1080, clipSeconds);
        Path small = StackCamerasBench.clip(footage, home.resolveSibling("stack-360p15-" + clipSeconds + ".ts"), 640,
                360, clipSeconds);
        Path hot = HOT_MBITS <= 0 ? main : StackCamerasBench.clip(footage, home.resolveSibling("stack-1080p15-"
                + HOT_MBITS + "mbit-grain-" + clipSeconds + ".ts"), 1920, 1080, clipSeconds, StackCamerasBench.FPS,
                HOT_MBITS * 1_000_000L, 8);

        List<RtspServer> mains = new ArrayList<>();
        List<RtspServer> subs = new ArrayList<>();
        boolean ok;
        try {
            ok = run(n, sub, home, main, small, hot, clipSeconds, stagger, mains, subs);
        } catch (NotOnline e) {
            System.out.println("site-node: MISSED, " + e.getMessage() + ": this machine cannot start " + n
                    + " cameras beside their RTSP servers");
            ok = false;
        }
        System.out.println("site-node: " + (ok ? "every goal met" : "a goal MISSED"));
        System.exit(ok ? 0 : 1);
    }

    /** Not every camera came online: nothing else can be measured. */
    private static final class NotOnline extends Exception {
        NotOnline(String message) {
            super(message);
        }
    }

    private static boolean run(int n, boolean sub, Path home, Path main, Path small, Path hot, long clipSeconds,
            Duration stagger, List<RtspServer> mains, List<RtspServer> subs) throws Exception {
        boolean ok;
        try {
            for (int i = 0; i < n; i++) {
                mains.add(new RtspServer(i == 0 ? hot : main, SharedServers.freePort(), "/main", null, null));
                subs.add(new RtspServer(small, SharedServers.freePort(), "/sub", null, null));
            }
            List<RtspServer> cameras = Stream.concat(mains.stream(), sub ? subs.stream() : Stream.empty()).toList();
            Floor floor = BASELINES ? StackCamerasBench.floor(mains, sub ? subs : mains, sub ? 320 : 640, WINDOW)
                    : new Floor(Double.NaN, Double.NaN);
            double motion = sub && BASELINES ? motion(mains, subs, home.resolve("motion")) : Double.NaN;
            try (Stack stack = new Stack(home.resolve("vigil"), Map.of("VIGIL_RECORDER_IDLE_CLOSE", "5s"))
                    .start(Duration.ofMinutes(4))) {
                String gw = "http://127.0.0.1:" + stack.port("GATEWAY_PORT");
                String cookie = FrontDoorBench.sessionFor(gw, "admin", stack.adminPassword);
                for (String id : StackCamerasBench.cameraIds(gw, cookie)) {
                    StackCamerasBench.send(gw, cookie, "DELETE", "/api/cameras/" + id, null, 204);
                }
                Thread.sleep(SETTLE.toMillis());
                Map<String, Usage> idle = StackCamerasBench.idleWindow("site-node", stack, WINDOW);
                for (RtspServer s : cameras) {
                    s.start();
                }
                System.out.printf("site-node: adding %d cameras %.1f s apart%n", n, stagger.toMillis() / 1000.0);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        Thread.sleep(stagger.toMillis());
                    }
                    StackCamerasBench.send(gw, cookie, "POST", "/api/cameras", "{\"id\":\"" + id(i) + "\",\"name\":"
                            + "\"Camera " + i + "\",\"site\":\"default\",\"url\":\"" + mains.get(i).url() + "\""
                            + (sub ? ",\"subStreamUrl\":\"" + subs.get(i).url() + "\"" : "") + "}", 201);
                }
                try {
                    StackCamerasBench.awaitOnline(gw, cookie, n, ID);
                } catch (IllegalStateException notAll) {
                    throw new NotOnline(notAll.getMessage());
                }
                Thread.sleep(SETTLE.toMillis());
                long[] machine0 = machineTicks();
                long servers0 = cameras.stream().mapToLong(s -> StackCamerasBench.ticks(s.pid())).sum();
                long start = System.nanoTime();
                Map<String, Usage> busy = StackCamerasBench.window(stack, WINDOW);
                double seconds = (System.nanoTime() - start) / 1e9;
                long[] machine1 = machineTicks();
                long servers1 = cameras.stream().mapToLong(s -> StackCamerasBench.ticks(s.pid())).sum();
                double idleShare = 100.0 * (machine1[0] - machine0[0]) / (machine1[1] - machine0[1]);
                double serversShare = 100.0 * (servers1 - servers0) / StackCamerasBench.TICKS / seconds / CORES;
                int withEvents = camerasWithEvents(gw, cookie, n);

                long[] sent = new long[n];
                for (int i = 0; i < n; i++) {
                    sent[i] = mains.get(i).finish(Duration.ofSeconds(60));
                }
                for (RtspServer s : subs) {
                    s.stop();
                }
                Map<String, Disk> disk = awaitSegmentsClosed(home.resolve("vigil").resolve("recordings"), n);

                ok = StackCamerasBench.report("site-node", n, sub, idle, busy, floor, SETTLE, WINDOW);
                if (!BASELINES) {
                    System.out.println("  (SITE_BASELINES=0: FFmpeg's floor and Motion were not measured)");
                }
                if (!Double.isNaN(motion)) {
                    double perCamera = perCamera(idle, busy, n);
                    System.out.printf("  Motion 4.5 (Debian), sub-stream detection, passthrough movies: %.2f %% per "
                            + "camera; Vigil's whole stack / Motion: ratio %.2f%n", motion, perCamera / motion);
                }
                ok &= frames(n, sent, disk, HOT_MBITS <= 0 ? 0 : Files.size(hot) * 8.0 / clipSeconds / 1e6);
                double free = idleShare + serversShare;
                System.out.printf("  the machine (%d cores) over the window: %.1f %% idle, + %.1f %% the cameras' own "
                        + "RTSP servers (not on a site node) = %.1f %% free; goal >= 30 %%: %s%n", CORES, idleShare,
                        serversShare, free, free >= 30 ? "met" : "MISSED");
                ok &= free >= 30;
                System.out.printf("  motion events: %d of %d cameras have stored events: %s%n", withEvents, n,
                        withEvents == n ? "met" : "MISSED");
                ok &= withEvents == n;
            }
        } finally {
            mains.forEach(RtspServer::close);
            subs.forEach(RtspServer::close);
        }
        return ok;
    }

    /** The bench's camera ids: not {@code cam1}, which {@code ./vigil up}'s own camera had (its footage stays). */
    private static String id(int i) {
        return ID + i;
    }

    private static double perCamera(Map<String, Usage> idle, Map<String, Usage> busy, int n) {
        double a = idle.values().stream().mapToDouble(Usage::cpu).sum();
        double b = busy.values().stream().mapToDouble(Usage::cpu).sum();
        return (b - a) / n;
    }

    /** Frames sent against frames on disk, camera by camera; true when none is missing and no session has a gap. */
    private static boolean frames(int n, long[] sent, Map<String, Disk> disk, double hotMbits) {
        long totalSent = 0;
        long totalDisk = 0;
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Disk d = disk.getOrDefault(id(i), Disk.NONE);
            totalSent += sent[i];
            totalDisk += d.frames;
            if (d.frames != sent[i] || d.gaps != 0) {
                missing.add(String.format(ID + "%d sent %d, on disk %d in %d sessions, %d gaps", i, sent[i], d.frames,
                        d.sessions, d.gaps));
            }
        }
        System.out.printf("  frames: %d sent by the RTSP servers, %d on disk (%.3f %%)%s: %s%n", totalSent, totalDisk,
                100.0 * totalDisk / Math.max(1, totalSent), hotMbits > 0 ? String.format(", %s at %.1f Mbit/s with a key frame a second", id(0), hotMbits) : "",
                missing.isEmpty() ? "every frame, met" : "MISSED");
        missing.forEach(s -> System.out.println("    " + s));
        return missing.isEmpty() && totalSent > 0;
    }

    /** A camera's frames on disk: how many, in how many capture sessions, and packet numbers missing inside them. */
    record Disk(long frames, long gaps, int sessions) {
        static final Disk NONE = new Disk(0, 0, 0);
    }

    /**
     * Waits until the recorder has closed every segment (no {@code .partial} file left) and the count stays put, then
     * reads every segment's frame index.
     */
    private static Map<String, Disk> awaitSegmentsClosed(Path recordings, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        Map<String, Disk> last = Map.of();
        while (System.nanoTime() < deadline) {
            boolean partial;
            try (Stream<Path> all = Files.walk(recordings)) {
                partial = all.anyMatch(p -> p.getFileName().toString().endsWith(".partial"));
            }
            Map<String, Disk> now = onDisk(recordings);
            if (!partial && now.equals(last) && now.size() >= n) {
                return now;
            }
            last = now;
            Thread.sleep(1000);
        }
        System.out.println("  (segments still open after 120 s: counting what is on disk)");
        return onDisk(recordings);
    }

    private static Map<String, Disk> onDisk(Path recordings) throws IOException {
        Map<String, Map<String, TreeSet<Long>>> seqs = new TreeMap<>();
        List<Path> indexes;
        try (Stream<Path> all = Files.walk(recordings)) {
            indexes = all.filter(p -> p.getFileName().toString().endsWith(".idx")
                    || p.getFileName().toString().endsWith(".idx.partial")).toList();
        }
        for (Path idx : indexes) {
            List<String> lines;
            try {
                lines = Files.readAllLines(idx);
            } catch (IOException renamed) {
                continue; // closed between the listing and the read: the next poll sees it
            }
            if (lines.size() < 2 || !lines.get(0).startsWith("# vigil segment index")) {
                continue;
            }
            Map<String, String> header = new TreeMap<>();
            for (String kv : lines.get(1).split(" ")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    header.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            TreeSet<Long> s = seqs.computeIfAbsent(header.getOrDefault("camera", "?"), k -> new TreeMap<>())
                    .computeIfAbsent(header.getOrDefault("session", "?"), k -> new TreeSet<>());
            for (String line : lines.subList(2, lines.size())) {
                String[] f = line.trim().split(" ");
                if (f.length == 4) {
                    s.add(Long.parseLong(f[3]));
                }
            }
        }
        Map<String, Disk> out = new TreeMap<>();
        seqs.forEach((camera, sessions) -> {
            long frames = 0;
            long gaps = 0;
            for (TreeSet<Long> s : sessions.values()) {
                frames += s.size();
                gaps += s.isEmpty() ? 0 : s.last() - s.first() + 1 - s.size();
            }
            out.put(camera, new Disk(frames, gaps, sessions.size()));
        });
        return out;
    }

    /** {@code cpu} of /proc/stat: idle (with I/O wait) and all ticks. */
    private static long[] machineTicks() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long all = 0;
        for (int i = 1; i < Math.min(f.length, 9); i++) { // user nice system idle iowait irq softirq steal
            all += Long.parseLong(f[i]);
        }
        return new long[] {Long.parseLong(f[4]) + Long.parseLong(f[5]), all};
    }

    private static int camerasWithEvents(String gw, String cookie, int n) throws Exception {
        int with = 0;
        for (int i = 0; i < n; i++) {
            JsonNode page = Json.mapper().readTree(StackCamerasBench.send(gw, cookie, "GET",
                    "/api/events?camera=" + id(i) + "&limit=1", null, 200));
            if (page.path("items").size() > 0) {
                with++;
            }
        }
        return with;
    }

    /**
     * Motion 4.5 (Debian's package) on the same cameras: detection on the sub-stream, the main stream recorded by
     * passthrough, continuously (as Vigil records). CPU of its process per camera, % of a core; NaN where it is not
     * installed or recorded nothing.
     */
    private static double motion(List<RtspServer> mains, List<RtspServer> subs, Path dir) throws Exception {
        if (!Files.isExecutable(MOTION)) {
            System.out.println("site-node: Motion not measured: it is not installed (apt-get install motion)");
            return Double.NaN;
        }
        Files.createDirectories(dir.resolve("movies"));
        StringBuilder conf = new StringBuilder("daemon off\nsetup_mode off\nlog_level 4\nlog_file "
                + dir.resolve("motion.log") + "\ntarget_dir " + dir.resolve("movies") + "\nwebcontrol_port 0\n"
                + "stream_port 0\n");
        for (int i = 0; i < mains.size(); i++) {
            Path cam = dir.resolve("cam" + i + ".conf");
            Files.writeString(cam, "camera_id " + (i + 1) + "\ncamera_name cam" + i + "\nnetcam_url " + subs.get(i).url()
                    + "\nnetcam_params rtsp_transport=tcp\nnetcam_high_url " + mains.get(i).url()
                    + "\nnetcam_high_params rtsp_transport=tcp\nwidth 640\nheight 360\nframerate 15\n"
                    + "movie_output on\nmovie_passthrough on\nemulate_motion on\npicture_output off\n"
                    + "movie_max_time 60\nmovie_filename cam" + i + "-%v-%Y%m%d%H%M%S\n");
            conf.append("camera ").append(cam).append('\n');
        }
        Path file = dir.resolve("motion.conf");
        Files.writeString(file, conf);
        List<RtspServer> started = Stream.concat(mains.stream(), subs.stream()).toList();
        Process motion = null;
        try {
            for (RtspServer s : started) {
                s.start();
            }
            motion = new ProcessBuilder(MOTION.toString(), "-n", "-c", file.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Thread.sleep(15_000); // connected, first key frames
            long t0 = StackCamerasBench.ticks(motion.pid());
            long start = System.nanoTime();
            Thread.sleep(WINDOW.toMillis() / 2);
            double seconds = (System.nanoTime() - start) / 1e9;
            long t1 = StackCamerasBench.ticks(motion.pid());
            if (!motion.isAlive()) {
                System.out.println("site-node: Motion not measured: it ended early (see " + dir.resolve("motion.log")
                        + ")");
                return Double.NaN;
            }
            long movies;
            try (Stream<Path> all = Files.list(dir.resolve("movies"))) {
                movies = all.filter(p -> p.toFile().length() > 0).count();
            }
            if (movies < mains.size()) {
                System.out.printf("site-node: Motion not measured: %d movies for %d cameras (see %s)%n", movies,
                        mains.size(), dir.resolve("motion.log"));
                return Double.NaN;
            }
            return 100.0 * (t1 - t0) / StackCamerasBench.TICKS / seconds / mains.size();
        } finally {
            if (motion != null) {
                motion.destroy();
                motion.waitFor();
            }
            for (RtspServer s : started) {
                s.stop(); // the stack gets each clip from its start
            }
        }
    }
}
