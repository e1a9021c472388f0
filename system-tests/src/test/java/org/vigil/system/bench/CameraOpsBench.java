package org.vigil.system.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.global.avutil;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.devstack.testing.Browser;
import org.vigil.devstack.testing.RtspServer;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.devstack.testing.TestClips;
import org.vigil.system.Stack;

/**
 * {@code bench/run camera-ops [cameras]}: cameras at runtime (design 0018), on the whole system ({@code ./vigil up}) with
 * a GStreamer RTSP camera (320x180 at 10 fps, a key frame a second):
 * <ul>
 * <li>from an API "add" to the recorder's first key frame on disk (its segment open), for 1 camera and for 50 added at
 * once; baseline: the camera's own floor, FFmpeg connecting to it and reading up to its first key frame;</li>
 * <li>from "disable" to the stream closed (capture's {@code disabled} status, sent once the stream is closed), for 1 and
 * for 50; baseline: FFmpeg closing a connection to the same camera;</li>
 * <li>the registry: 500 cameras imported as one CSV through the gateway (checked, audited, acknowledged); baseline: the
 * same 500 records written by a plain Kafka producer with {@code acks=all};</li>
 * <li>Settings → Cameras in Chromium with those 500 cameras, from navigation to the first page drawn; baseline: the
 * same page of the list fetched as JSON in that page.</li>
 * </ul>
 * Goals: each add and disable within 5 s; the page under 1 s. Exits 0 when all are met, 1 otherwise, 3 without the RTSP
 * server or Chromium.
 */
public final class CameraOpsBench {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private static final long GOAL_MS = 5_000;
    private static final long PAGE_GOAL_MS = 1_000;
    private static final int REGISTRY = 500;

    public static void main(String[] args) throws Exception {
        int many = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        if (!RtspServer.available()) {
            System.out.println("camera-ops: NOT MEASURED: " + RtspServer.unavailableReason());
            System.exit(3);
        }
        Path home = Path.of("target", "bench-camera-ops").toAbsolutePath();
        deleteTree(home);
        Files.createDirectories(home.getParent());
        Path ts = TestClips.writeTs(TestClips.h264(60, 10, 320, 180, 10), 10,
                home.resolveSibling("camera-ops-320x180.ts"));
        boolean ok = true;
        try (RtspServer camera = new RtspServer(ts, SharedServers.freePort(), "/cam", null, null).start();
                Stack stack = new Stack(home, Map.of("VIGIL_SITES", "default,bulk")).start(Duration.ofMinutes(4))) {
            String gw = "http://127.0.0.1:" + stack.port("GATEWAY_PORT");
            String admin = FrontDoorBench.sessionFor(gw, "admin", stack.adminPassword);
            String metrics = "http://127.0.0.1:" + stack.port("RECORDER_MANAGEMENT_PORT") + "/q/metrics";
            long floorOpen = median(5, () -> floorOpenMs(camera.url()));
            long floorClose = median(5, () -> floorCloseMs(camera.url()));
            System.out.printf("camera-ops: RTSP camera 320x180 at 10 fps (key frame every 1 s); the camera's floor: "
                    + "connect to first key frame %d ms, close %d ms%n", floorOpen, floorClose);
            for (int n : List.of(1, many)) {
                long[] t = addAndDisable(gw, admin, metrics, camera.url(), n);
                System.out.printf("  %2d camera(s) at once: add -> first recorded key frame %5d ms (%.1f x floor)  "
                        + "disable -> stream closed %5d ms (%.1f x floor)  goal each <= %d ms%n", n, t[0],
                        t[0] / (double) Math.max(1, floorOpen), t[1], t[1] / (double) Math.max(1, floorClose), GOAL_MS);
                ok &= t[0] <= GOAL_MS && t[1] <= GOAL_MS;
            }

            long importMs = importRegistry(gw, admin);
            long rawMs = rawRegistryWrite("127.0.0.1:" + stack.port("KAFKA_PORT"));
            System.out.printf("  registry: %d cameras imported as CSV %d ms; a plain producer (acks=all) %d ms "
                    + "(%.1f x)%n", REGISTRY, importMs, rawMs, importMs / (double) Math.max(1, rawMs));

            if (Browser.executable().isEmpty()) {
                System.out.println("  Settings -> Cameras: NOT MEASURED: no Chromium on this machine");
                System.exit(3);
            }
            long[] page = pageLoad(gw, admin);
            System.out.printf("  Settings -> Cameras with %d+ cameras: first page drawn in %d ms; the same page as JSON "
                    + "%d ms (%.1f x); goal < %d ms%n", REGISTRY, page[0], page[1], page[0] / (double) Math.max(1,
                            page[1]), PAGE_GOAL_MS);
            ok &= page[0] < PAGE_GOAL_MS;
        }
        System.out.println(ok ? "camera-ops: goals met" : "camera-ops: a goal was missed");
        System.exit(ok ? 0 : 1);
    }

    /** Adds {@code n} cameras at once, then disables them at once: {add ms, disable ms}, for the last of them. */
    private static long[] addAndDisable(String gw, String admin, String metrics, String url, int n) throws Exception {
        String run = Long.toString(System.nanoTime() % 100_000, 36);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add("ops-" + run + "-" + i);
        }
        double before = openSegments(metrics);
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(n, 16));
        try {
            long t0 = System.nanoTime();
            all(pool, ids, id -> send(gw, admin, "POST", "/api/cameras", "{\"id\":\"" + id + "\",\"name\":\"" + id
                    + "\",\"site\":\"default\",\"url\":\"" + url + "\"}", 201));
            long answered = (System.nanoTime() - t0) / 1_000_000;
            long online = await(() -> stateCount(gw, admin, ids, "online") == n, t0, n + " cameras online");
            long added = await(() -> openSegments(metrics) >= before + n, t0, "segments of " + n + " added cameras");
            System.out.printf("      add: the API answered all in %d ms, capture had them online at %d ms, the "
                    + "recorder's segments open at %d ms%n", answered, online, added);
            Instant off = Instant.now();
            long t1 = System.nanoTime();
            all(pool, ids, id -> send(gw, admin, "PUT", "/api/cameras/" + id + "/enabled", "{\"enabled\":false}", 200));
            System.out.printf("      disable: the API answered all in %d ms%n", (System.nanoTime() - t1) / 1_000_000);
            await(() -> disabledSince(gw, admin, ids, off) == n, t1, n + " cameras disabled");
            long closed = latestDisabled(gw, admin, ids).toEpochMilli() - off.toEpochMilli();
            all(pool, ids, id -> send(gw, admin, "DELETE", "/api/cameras/" + id, null, 204));
            return new long[] {added, Math.max(0, closed)};
        } finally {
            pool.shutdownNow();
        }
    }

    /** The recorder's segments being written. */
    private static double openSegments(String metrics) throws Exception {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create(metrics)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        for (String line : body.split("\n")) {
            if (line.startsWith("vigil_recorder_open_segments")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    private static JsonNode statuses(String gw, String admin) throws Exception {
        return Json.mapper().readTree(HTTP.send(HttpRequest.newBuilder(URI.create(gw + "/api/cameras/status"))
                .header("Cookie", admin).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private static int disabledSince(String gw, String admin, List<String> ids, Instant since) throws Exception {
        int n = 0;
        for (JsonNode s : statuses(gw, admin)) {
            if (ids.contains(s.path("cameraId").asText()) && "disabled".equals(s.path("state").asText())
                    && !Instant.parse(s.path("at").asText()).isBefore(since)) {
                n++;
            }
        }
        return n;
    }

    private static int stateCount(String gw, String admin, List<String> ids, String state) throws Exception {
        int n = 0;
        for (JsonNode s : statuses(gw, admin)) {
            if (ids.contains(s.path("cameraId").asText()) && state.equals(s.path("state").asText())) {
                n++;
            }
        }
        return n;
    }

    private static Instant latestDisabled(String gw, String admin, List<String> ids) throws Exception {
        Instant last = Instant.EPOCH;
        for (JsonNode s : statuses(gw, admin)) {
            if (ids.contains(s.path("cameraId").asText())) {
                Instant at = Instant.parse(s.path("at").asText());
                last = at.isAfter(last) ? at : last;
            }
        }
        return last;
    }

    /** An FFmpeg connection to the camera over TCP, as capture opens it; null when it cannot be opened. */
    private static AVFormatContext connect(String url) {
        AVFormatContext fmt = avformat.avformat_alloc_context();
        AVDictionary opts = new AVDictionary(null);
        avutil.av_dict_set(opts, "rtsp_transport", "tcp", 0);
        int rc = avformat.avformat_open_input(fmt, url, null, opts);
        avutil.av_dict_free(opts);
        if (rc < 0) {
            throw new IllegalStateException("cannot open " + url + ": " + rc);
        }
        return fmt;
    }

    /** The floor of "add": FFmpeg connecting to the camera and reading up to its first key frame. */
    private static long floorOpenMs(String url) {
        long t0 = System.nanoTime();
        AVFormatContext fmt = connect(url);
        AVPacket p = avcodec.av_packet_alloc();
        try {
            while (avformat.av_read_frame(fmt, p) >= 0) {
                boolean key = (p.flags() & avcodec.AV_PKT_FLAG_KEY) != 0;
                avcodec.av_packet_unref(p);
                if (key) {
                    break;
                }
            }
            return (System.nanoTime() - t0) / 1_000_000;
        } finally {
            avcodec.av_packet_free(p);
            avformat.avformat_close_input(fmt);
        }
    }

    /** The floor of "disable": FFmpeg closing a connection to the camera (RTSP TEARDOWN). */
    private static long floorCloseMs(String url) {
        AVFormatContext fmt = connect(url);
        AVPacket p = avcodec.av_packet_alloc();
        avformat.av_read_frame(fmt, p);
        avcodec.av_packet_free(p);
        long t0 = System.nanoTime();
        avformat.avformat_close_input(fmt);
        return Math.max(1, (System.nanoTime() - t0) / 1_000_000);
    }

    /** 500 cameras as one CSV through the gateway, disabled (nothing starts capturing them). */
    private static long importRegistry(String gw, String admin) throws Exception {
        StringBuilder csv = new StringBuilder("id,name,site,url,enabled\n");
        for (int i = 0; i < REGISTRY; i++) {
            csv.append(String.format("bulk-%03d,Bulk %d,bulk,rtsp://192.0.2.1/%d,false%n", i, i, i));
        }
        long t0 = System.nanoTime();
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(gw + "/api/cameras.csv"))
                .header("Cookie", admin).header("X-CSRF-Token", FrontDoorBench.csrfOf(admin))
                .header("Content-Type", "text/csv").timeout(Duration.ofMinutes(2))
                .POST(HttpRequest.BodyPublishers.ofString(csv.toString())).build(), HttpResponse.BodyHandlers.ofString());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (r.statusCode() != 200) {
            throw new IllegalStateException("import: " + r.statusCode() + " " + r.body());
        }
        return ms;
    }

    /** The same 500 records to a compacted topic like the registry, by a plain producer with acks=all. */
    private static long rawRegistryWrite(String bootstrap) throws Exception {
        String topic = "bench.cameras-copy";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 12, (short) 1).configs(Map.of("cleanup.policy",
                    "compact")))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all",
                "enable.idempotence", "true"), new StringSerializer(), new ByteArraySerializer())) {
            p.partitionsFor(topic);
            long t0 = System.nanoTime();
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < REGISTRY; i++) {
                String id = String.format("bulk-%03d", i);
                sent.add(p.send(new ProducerRecord<>(topic, id, Json.write(new CameraConfig(1, id, "Bulk " + i,
                        "bulk", "rtsp://192.0.2.1/" + i, null, true, 0.5, List.of(), List.of(), Instant.now(),
                        "bench")))));
            }
            for (Future<?> f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
            return (System.nanoTime() - t0) / 1_000_000;
        }
    }

    /** {page drawn ms, same page as JSON ms}: medians of 5, in one signed-in Chromium. */
    private static long[] pageLoad(String gw, String cookieHeader) throws Exception {
        try (Browser b = Browser.launch(Duration.ofSeconds(60))) {
            for (String c : cookieHeader.split("; ")) {
                int eq = c.indexOf('=');
                b.setCookie(c.substring(0, eq), c.substring(eq + 1), gw);
            }
            b.navigate(gw + "/#/dashboard");
            b.waitFor("document.querySelector('#user-name')", Duration.ofSeconds(30));
            List<Long> drawn = new ArrayList<>();
            List<Long> json = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                b.evaluate("location.hash = '#/dashboard'");
                b.waitFor("document.querySelector('#view h1') && document.querySelector('#view h1').textContent "
                        + "!== 'Settings'", Duration.ofSeconds(30));
                drawn.add(b.evaluate("(async () => { const t0 = performance.now(); location.hash = "
                        + "'#/settings/cameras'; while (!document.querySelector('#camera-table tr[data-camera]')) "
                        + "{ await new Promise(r => requestAnimationFrame(r)); } return performance.now() - t0; })()")
                        .asLong());
                json.add(b.evaluate("(async () => { const t0 = performance.now(); await fetch('/api/cameras?page=1"
                        + "&size=50&order=site').then(r => r.json()); return performance.now() - t0; })()").asLong());
            }
            Collections.sort(drawn);
            Collections.sort(json);
            return new long[] {drawn.get(2), json.get(2)};
        }
    }

    private interface Call {
        void run(String id) throws Exception;
    }

    private static void all(ExecutorService pool, List<String> ids, Call call) throws Exception {
        List<Future<?>> done = new ArrayList<>();
        for (String id : ids) {
            done.add(pool.submit(() -> {
                call.run(id);
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(2, TimeUnit.MINUTES);
        }
    }

    private static void send(String gw, String admin, String method, String path, String body, int expected)
            throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(gw + path)).header("Cookie", admin)
                .header("X-CSRF-Token", FrontDoorBench.csrfOf(admin)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            r.header("Content-Type", "application/json");
        }
        HttpResponse<String> a = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
        if (a.statusCode() != expected) {
            throw new IllegalStateException(method + " " + path + ": " + a.statusCode() + " " + a.body());
        }
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    /** Polls until {@code check} holds (120 s at most); answers the ms since {@code t0}. */
    private static long await(Check check, long t0, String what) throws Exception {
        while (!check.ok()) {
            if (System.nanoTime() - t0 > Duration.ofSeconds(120).toNanos()) {
                throw new IllegalStateException(what + ": not within 120 s");
            }
            Thread.sleep(20);
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private interface Measure {
        long ms() throws Exception;
    }

    private static long median(int n, Measure m) throws Exception {
        List<Long> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(m.ms());
        }
        Collections.sort(all);
        return all.get(n / 2);
    }

    static void deleteTree(Path p) throws Exception {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        }
    }
}
