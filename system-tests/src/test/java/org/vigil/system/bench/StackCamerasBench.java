package org.vigil.system.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import org.bytedeco.javacpp.Loader;
import org.vigil.contracts.Json;
import org.vigil.devstack.testing.RtspServer;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.devstack.testing.TestClips;
import org.vigil.system.Stack;

/**
 * What a camera costs the whole stack at the defaults a user gets (issue 23): {@code ./vigil up}, its own camera
 * deleted, then N cameras of real footage re-encoded to 1080p15 H.264 (about 4 Mbit/s), each with a 360p sub-stream
 * beside it (or none: {@code main}), served by GStreamer's RTSP server and added through the API as an operator
 * would, one after another the footage's length over N apart ({@code STACK_STAGGER_MS}), so that their footage is out
 * of step, with previews and the people detector as shipped. CPU per process (the launcher with Kafka, PostgreSQL,
 * Redis, each service) with no camera, then with N cameras, each window after the JIT has settled; the marginal cost
 * per camera of the whole stack and of each process, and resident memory per added camera.
 *
 * <p>Baseline, in the same run on the same streams: FFmpeg (JavaCV's program) doing the floor of the same work, per
 * camera one process copying the main stream into AVI ({@code -c copy}, the recording floor) and one decoding the
 * analysed stream at 5 fps and 640 (main) or 320 (sub) wide (the analysis floor). Goals: whole stack per camera
 * &le; 2.5 % of a core with a sub-stream, &le; 8 % on the main stream; the recorder &le; 0.9 %; &le; 25 MB per camera.
 *
 * <p>Run: {@code bench/run stack-cameras [N] [sub|main]} (default 4 sub). {@code STACK_SETTLE} (90 s) and
 * {@code STACK_WINDOW} (60 s) set the warm-up and the window; {@code STACK_HOLD} (0 s) keeps the stack running with its
 * cameras that long after the report, to profile it. A window without cameras above {@code STACK_QUIET} (10 % of a
 * core) is measured again, up to four times, and the quietest kept ({@link #idleWindow}).
 */
public final class StackCamerasBench {

    static final int FPS = 15;
    static final double TICKS = 100; // USER_HZ
    private static final Duration SETTLE = Duration.ofSeconds(Long.parseLong(env("STACK_SETTLE", "90")));
    private static final Duration WINDOW = Duration.ofSeconds(Long.parseLong(env("STACK_WINDOW", "60")));
    /** A stack without cameras above this much of a core in all is measured again (%, {@code STACK_QUIET}). */
    static final double QUIET_PERCENT = Double.parseDouble(env("STACK_QUIET", "10"));
    static final int QUIET_RETRIES = 4;

    /** How long the stack goes on with its cameras after the report: time to profile it (0). */
    private static final Duration HOLD = Duration.ofSeconds(Long.parseLong(env("STACK_HOLD", "0")));
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private StackCamerasBench() {
    }

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        boolean sub = args.length < 2 || !args[1].equals("main");
        Path footage = footageOrExit("stack-cameras");
        Duration stagger = stagger(footage, n, "STACK_STAGGER_MS");
        // each run plays the clip once from its start; the first camera added plays longest
        long clipSeconds = SETTLE.toSeconds() + WINDOW.toSeconds() + 60 + stagger.multipliedBy(n - 1).toSeconds();
        Path home = Path.of("target", "bench-stack-cameras").toAbsolutePath();
        CameraOpsBench.deleteTree(home);
        Files.createDirectories(home.getParent());
        Path main = clip(footage, home.resolveSibling("stack-1080p15-" + clipSeconds + ".ts"), 1920, 1080, clipSeconds);
        Path small = clip(footage, home.resolveSibling("stack-360p15-" + clipSeconds + ".ts"), 640, 360, clipSeconds);

        List<RtspServer> mains = new ArrayList<>();
        List<RtspServer> subs = new ArrayList<>();
        boolean ok;
        try {
            for (int i = 0; i < n; i++) {
                mains.add(new RtspServer(main, SharedServers.freePort(), "/main", null, null));
                subs.add(new RtspServer(small, SharedServers.freePort(), "/sub", null, null));
            }
            Floor floor = floor(mains, sub ? subs : mains, sub ? 320 : 640, WINDOW);
            try (Stack stack = new Stack(home, Map.of()).start(Duration.ofMinutes(4))) {
                String gw = "http://127.0.0.1:" + stack.port("GATEWAY_PORT");
                String cookie = FrontDoorBench.sessionFor(gw, "admin", stack.adminPassword);
                for (String id : cameraIds(gw, cookie)) {
                    send(gw, cookie, "DELETE", "/api/cameras/" + id, null, 204);
                }
                Thread.sleep(SETTLE.toMillis());
                Map<String, Usage> idle = idleWindow("stack-cameras", stack, WINDOW);
                for (RtspServer s : Stream.concat(mains.stream(), sub ? subs.stream() : Stream.empty()).toList()) {
                    s.start();
                }
                System.out.printf("stack-cameras: adding %d cameras %.1f s apart%n", n, stagger.toMillis() / 1000.0);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        Thread.sleep(stagger.toMillis());
                    }
                    send(gw, cookie, "POST", "/api/cameras", "{\"id\":\"cam" + i + "\",\"name\":\"Camera " + i
                            + "\",\"site\":\"default\",\"url\":\"" + mains.get(i).url() + "\""
                            + (sub ? ",\"subStreamUrl\":\"" + subs.get(i).url() + "\"" : "") + "}", 201);
                }
                awaitOnline(gw, cookie, n, "cam");
                Thread.sleep(SETTLE.toMillis());
                Map<String, Usage> busy = window(stack, WINDOW);
                ok = report("stack-cameras", n, sub, idle, busy, floor, SETTLE, WINDOW);
                if (!HOLD.isZero()) {
                    System.out.printf("stack-cameras: holding the stack with its cameras for %d s (STACK_HOLD)%n",
                            HOLD.toSeconds());
                    Thread.sleep(HOLD.toMillis());
                }
            }
        } finally {
            mains.forEach(RtspServer::close);
            subs.forEach(RtspServer::close);
        }
        System.exit(ok ? 0 : 1);
    }

    /** The footage the cameras play, where it and GStreamer's RTSP server are here; else says why and exits 3. */
    /**
     * How long apart the cameras are added ({@code env}, in ms; by default the footage's length over {@code n}), so that
     * their copies of the footage are out of step as a real site's cameras are: copies in step start and stop their
     * motion together, and jump together where the clip loops, so a window would see one stretch of footage n times
     * (design 0028).
     */
    static Duration stagger(Path footage, int n, String env) throws java.io.IOException {
        org.vigil.devstack.testing.TestClips.Clip source = org.vigil.devstack.testing.TestClips.packets(footage);
        return Duration.ofMillis(Long.parseLong(env(env, Long.toString(
                Math.round(source.packets().size() / source.frameRate() * 1000 / n)))));
    }

    static Path footageOrExit(String bench) {
        if (!RtspServer.available()) {
            System.out.println(bench + ": NOT MEASURED, input missing: " + RtspServer.unavailableReason());
            System.exit(3);
        }
        Path footage = Path.of(System.getProperty("vigil.media.dir", "../../shared/media"))
                .resolve("one-by-one-person-detection.mp4");
        if (!Files.exists(footage)) {
            System.out.println(bench + ": NOT MEASURED, input missing: " + footage.toAbsolutePath()
                    + " (VIGIL_MEDIA_DIR)");
            System.exit(3);
        }
        return footage;
    }

    /** Prints the cost table and the per-camera goals; true when every one is met. */
    static boolean report(String bench, int n, boolean sub, Map<String, Usage> idle, Map<String, Usage> busy,
            Floor floor, Duration settle, Duration window) {
        System.out.printf(bench + ": %d cameras, 1080p15 H.264 of real footage over RTSP (GStreamer), %s; "
                + "defaults as shipped; %d s windows after %d s to settle%n", n,
                sub ? "360p sub-streams analysed" : "main stream analysed", window.toSeconds(), settle.toSeconds());
        System.out.println("  process                 no camera      " + n + " cameras   per camera    PSS per camera");
        Set<String> names = new java.util.TreeSet<>(idle.keySet());
        names.addAll(busy.keySet());
        double totalIdle = 0;
        double totalBusy = 0;
        double rssIdle = 0;
        double rssBusy = 0;
        for (String name : names) {
            Usage a = idle.getOrDefault(name, Usage.NONE);
            Usage b = busy.getOrDefault(name, Usage.NONE);
            totalIdle += a.cpu;
            totalBusy += b.cpu;
            rssIdle += a.pssMb;
            rssBusy += b.pssMb;
            System.out.printf("  %-22s %7.2f %%    %7.2f %%    %7.2f %%    %7.1f MB%n", name, a.cpu, b.cpu,
                    (b.cpu - a.cpu) / n, (b.pssMb - a.pssMb) / n);
        }
        double perCamera = (totalBusy - totalIdle) / n;
        double memPerCamera = (rssBusy - rssIdle) / n;
        double recorder = (busy.getOrDefault("recorder-service", Usage.NONE).cpu
                - idle.getOrDefault("recorder-service", Usage.NONE).cpu) / n;
        double goal = sub ? 2.5 : 8;
        System.out.printf("  whole stack            %7.2f %%    %7.2f %%    %7.2f %%    %7.1f MB (PSS)%n", totalIdle,
                totalBusy, perCamera, memPerCamera);
        System.out.printf("  baseline, FFmpeg per camera: copy to AVI %.2f %% + decode fps=5,scale=%d %.2f %% = %.2f %%"
                + " of a core%n", floor.copy, sub ? 320 : 640, floor.analysis, floor.copy + floor.analysis);
        System.out.printf("  whole stack per camera / FFmpeg floor: ratio %.2f%n", perCamera
                / (floor.copy + floor.analysis));
        System.out.printf("  goal, whole stack <= %.1f %% per camera: %s (ratio to goal %.2f)%n", goal,
                perCamera <= goal ? "met" : "MISSED", perCamera / goal);
        System.out.printf("  goal, recorder <= 0.9 %% per camera (FFmpeg's copy %.2f %%): %.2f %% %s%n", floor.copy,
                recorder, recorder <= 0.9 ? "met" : "MISSED");
        System.out.printf("  goal, <= 25 MB per camera: %.1f MB %s%n", memPerCamera, memPerCamera <= 25 ? "met"
                : "MISSED");
        return perCamera <= goal && recorder <= 0.9 && memPerCamera <= 25;
    }

    /** A process's CPU over the window (% of a core) and its proportional memory at the end. */
    record Usage(double cpu, double pssMb) {
        static final Usage NONE = new Usage(0, 0);
    }

    /**
     * The stack without cameras: one {@code window}, then, while the stack uses more than {@link #QUIET_PERCENT} of a
     * core in all (the JIT still compiling a minute or two after start, design 0033), up to {@link #QUIET_RETRIES}
     * more, keeping the quietest. A busy window without cameras would be subtracted from the window with them and
     * lower every per-camera figure (design 0035: 31 % of a core in one run); the quietest one errs the other way.
     */
    static Map<String, Usage> idleWindow(String bench, Stack stack, Duration window) throws Exception {
        Map<String, Usage> idle = window(stack, window);
        double last = total(idle);
        int windows = 1;
        for (; windows <= QUIET_RETRIES && total(idle) > QUIET_PERCENT; windows++) {
            System.out.printf("%s: the stack without cameras used %.1f %% of a core (over %.0f %%: still warming up);"
                    + " measuring it again%n", bench, last, QUIET_PERCENT);
            Map<String, Usage> again = window(stack, window);
            last = total(again);
            if (last < total(idle)) {
                idle = again;
            }
        }
        System.out.printf("%s: the stack without cameras: %.1f %% of a core (the quietest of %d window%s)%n", bench,
                total(idle), windows, windows == 1 ? "" : "s");
        return idle;
    }

    static double total(Map<String, Usage> usage) {
        return usage.values().stream().mapToDouble(Usage::cpu).sum();
    }

    /**
     * CPU of every process of the stack over {@code window}, by name: the launcher (Kafka runs inside it), its
     * children (the services, Redis), and PostgreSQL's processes (found by the data directory under the stack's home).
     */
    static Map<String, Usage> window(Stack stack, Duration window) throws Exception {
        Map<Long, String> procs = processes(stack);
        Map<Long, Long> t0 = new LinkedHashMap<>();
        for (long pid : procs.keySet()) {
            t0.put(pid, ticks(pid));
        }
        long start = System.nanoTime();
        Thread.sleep(window.toMillis());
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, double[]> sum = new TreeMap<>();
        for (Map.Entry<Long, String> p : procs.entrySet()) {
            long t1 = ticks(p.getKey());
            if (t1 < 0) {
                continue; // gone (a PostgreSQL backend that closed)
            }
            double[] s = sum.computeIfAbsent(p.getValue(), k -> new double[2]);
            s[0] += 100.0 * (t1 - t0.get(p.getKey())) / TICKS / seconds;
            s[1] += pssKb(p.getKey()) / 1024.0;
        }
        Map<String, Usage> out = new TreeMap<>();
        sum.forEach((k, v) -> out.put(k, new Usage(v[0], v[1])));
        return out;
    }

    static Map<Long, String> processes(Stack stack) throws IOException {
        Map<Long, String> out = new LinkedHashMap<>(stack.children());
        long launcher = out.keySet().stream().mapToLong(StackCamerasBench::parent).filter(p -> p > 1).findFirst()
                .orElseThrow(() -> new IllegalStateException("no launcher process"));
        out.put(launcher, "launcher + Kafka");
        Set<Long> known = new HashSet<>(out.keySet());
        String home = stack.home.toString();
        try (Stream<Path> all = Files.list(Path.of("/proc"))) {
            for (Path p : all.toList()) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit) || known.contains(Long.parseLong(name))) {
                    continue;
                }
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
                    if (cmd.contains(home) && cmd.contains("postgres")) {
                        out.put(Long.parseLong(name), "postgresql");
                    }
                } catch (IOException gone) {
                    // ended while listed
                }
            }
        }
        // PostgreSQL's backends and workers are children of its postmaster
        for (long pid : List.copyOf(out.keySet())) {
            if (out.get(pid).equals("postgresql")) {
                childrenOf(pid).forEach(c -> out.put(c, "postgresql"));
            }
        }
        return out;
    }

    private static List<Long> childrenOf(long pid) {
        try {
            return ProcessHandle.of(pid).map(h -> h.children().map(ProcessHandle::pid).toList()).orElse(List.of());
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private static long parent(long pid) {
        return ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L);
    }

    static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException e) {
            return -1;
        }
    }

    static long pssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
                if (line.startsWith("Pss:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException e) {
            // ended
        }
        return 0;
    }

    /** FFmpeg's floor per camera (% of a core): the copy into AVI and the analysis decode, side by side. */
    record Floor(double copy, double analysis) {
    }

    static Floor floor(List<RtspServer> mains, List<RtspServer> analysed, int width, Duration window)
            throws Exception {
        String ffmpeg = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        Set<RtspServer> started = new HashSet<>();
        List<Process> copies = new ArrayList<>();
        List<Process> decodes = new ArrayList<>();
        try {
            for (RtspServer s : Stream.concat(mains.stream(), analysed.stream()).toList()) {
                if (started.add(s)) {
                    s.start();
                }
            }
            for (int i = 0; i < mains.size(); i++) {
                copies.add(ffmpeg(ffmpeg, "-rtsp_transport", "tcp", "-i", mains.get(i).url(), "-c", "copy", "-f", "avi",
                        "-y", "/dev/null"));
                decodes.add(ffmpeg(ffmpeg, "-rtsp_transport", "tcp", "-i", analysed.get(i).url(), "-vf",
                        "fps=5,scale=" + width + ":-2", "-f", "null", "-"));
            }
            Thread.sleep(15_000); // connected, first key frames, ffmpeg's own start
            long c0 = ticks(copies);
            long d0 = ticks(decodes);
            long start = System.nanoTime();
            Thread.sleep(window.toMillis() / 2);
            double seconds = (System.nanoTime() - start) / 1e9;
            for (Process p : Stream.concat(copies.stream(), decodes.stream()).toList()) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("an FFmpeg baseline process ended early: "
                            + p.info().commandLine().orElse("?"));
                }
            }
            return new Floor(100.0 * (ticks(copies) - c0) / TICKS / seconds / mains.size(),
                    100.0 * (ticks(decodes) - d0) / TICKS / seconds / mains.size());
        } finally {
            Stream.concat(copies.stream(), decodes.stream()).forEach(Process::destroy);
            for (RtspServer s : started) {
                s.stop(); // the stack gets each clip from its start
            }
        }
    }

    static long ticks(List<Process> ps) {
        return ps.stream().mapToLong(p -> ticks(p.pid())).sum();
    }

    static Process ffmpeg(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(args[0], "-hide_banner", "-loglevel", "error"));
        cmd.addAll(List.of(args).subList(1, args.length));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    static Path clip(Path footage, Path out, int w, int h, long seconds) throws IOException {
        return clip(footage, out, w, h, seconds, 2 * FPS, w * h * 2L, 0);
    }

    /**
     * Real footage re-encoded once (kept under target/ for later runs) at a size, length, GOP and bit rate, with film
     * grain of {@code grain} levels (0: none) so that a high bit rate is really used.
     */
    static Path clip(Path footage, Path out, int w, int h, long seconds, int gop, long bitRate, int grain)
            throws IOException {
        if (!Files.exists(out)) {
            long t = System.nanoTime();
            Path part = out.resolveSibling(out.getFileName() + ".partial");
            TestClips.writeTs(TestClips.reencode(footage, w, h, FPS, gop, (int) (seconds * FPS), bitRate, grain), FPS,
                    part);
            Files.move(part, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            System.out.printf("bench: encoded %s in %.0f s (once): %.1f Mbit/s%n", out.getFileName(),
                    (System.nanoTime() - t) / 1e9, Files.size(out) * 8.0 / seconds / 1e6);
        }
        return out;
    }

    static List<String> cameraIds(String gw, String cookie) throws Exception {
        JsonNode all = Json.mapper().readTree(send(gw, cookie, "GET", "/api/cameras", null, 200));
        JsonNode list = all.isArray() ? all : all.path("cameras");
        List<String> ids = new ArrayList<>();
        list.forEach(c -> ids.add(c.path("id").asText()));
        return ids;
    }

    static String send(String gw, String cookie, String method, String path, String json, int expect)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw + path)).header("Cookie", cookie)
                .header("X-CSRF-Token", FrontDoorBench.csrfOf(cookie)).header("Origin", gw);
        b = json == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != expect) {
            throw new IllegalStateException(method + " " + path + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    /** Waits until the {@code n} cameras whose ids start with {@code prefix} are online. */
    static void awaitOnline(String gw, String cookie, int n, String prefix) throws Exception {
        Duration wait = Duration.ofSeconds(Math.max(90, 3L * n)); // many cameras start at once on two cores
        long deadline = System.nanoTime() + wait.toNanos();
        int online = 0;
        while (System.nanoTime() < deadline) {
            online = 0;
            for (JsonNode s : Json.mapper().readTree(send(gw, cookie, "GET", "/api/cameras/status", null, 200))) {
                if (s.path("cameraId").asText().startsWith(prefix) && "online".equals(s.path("state").asText())) {
                    online++;
                }
            }
            if (online == n) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException(online + " of " + n + " cameras online after " + wait.toSeconds() + " s");
    }

    static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
