package org.vigil.system.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import org.vigil.contracts.Json;
import org.vigil.devstack.testing.ServiceProcesses;
import org.vigil.system.Stack;

/**
 * {@code bench/run front-door [flooders] [seconds]}: the whole system ({@code ./vigil up}, a synthetic camera), 50
 * signed-in operators browsing events and playing recordings through the gateway, first alone (the baseline), then
 * while 500 unauthenticated clients (default) send bad sign-ins for 60 s, each from an address of its own in
 * 127.10.0.0/16 (so the throttle does not spare the hashing pool). Prints the operators' p50/p99 in both phases and
 * their ratio (goal: p99 ratio ≤ 2), the gateway's peak heap and RSS, the operators' 5xx answers (goal 0), the
 * flood's answers by status, and restarts of any process (goal 0).
 */
public final class FrontDoorBench {

    private static final int OPERATORS = 50;
    private static final Duration BASELINE = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    public static void main(String[] args) throws Exception {
        int flooders = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        Duration flood = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 60);
        Path home = Path.of("target", "bench-front-door").toAbsolutePath();
        deleteTree(home);
        boolean ok;
        try (Stack stack = new Stack(home, Map.of("VIGIL_RECORDER_SEGMENT_LENGTH", "4s")).start(Duration.ofMinutes(4))) {
            String gw = "http://127.0.0.1:" + stack.port("GATEWAY_PORT");
            String admin = session(gw, "127.0.0.1", "admin", stack.adminPassword);
            List<String> operators = new ArrayList<>();
            for (int i = 0; i < OPERATORS; i++) {
                String name = "bench-op-" + i;
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(gw + "/api/users"))
                        .header("Cookie", admin).header("X-CSRF-Token", csrf(admin))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                                "{\"username\":\"" + name + "\",\"password\":\"bench-password-" + i + "\",\"role\":"
                                        + "\"operator\",\"sites\":[\"*\"]}")).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 201) {
                    throw new IllegalStateException("creating " + name + ": " + r.statusCode() + " " + r.body());
                }
                operators.add(session(gw, "127.0.0.1", name, "bench-password-" + i));
            }
            Instant[] range = recordedRange(gw, admin);
            long gatewayPid = stack.children().entrySet().stream().filter(e -> e.getValue().equals("gateway"))
                    .map(Map.Entry::getKey).reduce((a, b) -> b).orElseThrow();
            int management = stack.port("GATEWAY_MANAGEMENT_PORT");

            System.out.printf("front door: %d operators (events, playback Range requests), %d flooders for %d s%n",
                    OPERATORS, flooders, flood.toSeconds());
            Phase base = operate(gw, operators, range, BASELINE, null, management, gatewayPid);
            AtomicBoolean flooding = new AtomicBoolean(true);
            Map<Integer, AtomicLong> floodAnswers = new ConcurrentHashMap<>();
            List<Thread> flood_ = startFlood(gw, flooders, flooding, floodAnswers);
            Phase loaded;
            try {
                loaded = operate(gw, operators, range, flood, flooding, management, gatewayPid);
            } finally {
                flooding.set(false);
                for (Thread t : flood_) {
                    t.join(30_000);
                }
            }
            Stack.Result status = stack.run(List.of("status"), Map.of(), Duration.ofSeconds(60));
            int restarts = 0;
            for (String line : status.output().lines().toList()) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("restarted (\\d+) time").matcher(line);
                if (m.find()) {
                    restarts += Integer.parseInt(m.group(1));
                }
            }
            double p99Ratio = loaded.p99 / base.p99;
            System.out.printf("  operators alone:        p50 %.1f ms, p99 %.1f ms (%d requests, %d 5xx)%n", base.p50,
                    base.p99, base.requests, base.errors5xx);
            System.out.printf("  operators under flood:  p50 %.1f ms, p99 %.1f ms (%d requests, %d 5xx)%n", loaded.p50,
                    loaded.p99, loaded.requests, loaded.errors5xx);
            System.out.printf("  ratio under flood / alone: p50 %.2f, p99 %.2f (goal p99 <= 2: %s)%n",
                    loaded.p50 / base.p50, p99Ratio, p99Ratio <= 2 ? "met" : "MISSED");
            Map<Integer, Long> answers = new TreeMap<>();
            floodAnswers.forEach((k, v) -> answers.put(k, v.get()));
            System.out.printf("  flood answers: %s (%.0f sign-ins/s)%n", answers,
                    answers.values().stream().mapToLong(Long::longValue).sum() / (double) flood.toSeconds());
            System.out.printf("  gateway: peak heap %d MiB of %d MiB, peak RSS %d MiB (alone: %d MiB heap, %d MiB RSS)%n",
                    loaded.peakHeap >> 20, loaded.maxHeap >> 20, loaded.peakRssKb >> 10, base.peakHeap >> 20,
                    base.peakRssKb >> 10);
            System.out.printf("  operators' 5xx: %d (goal 0: %s); restarts: %d (goal 0: %s)%n",
                    base.errors5xx + loaded.errors5xx, base.errors5xx + loaded.errors5xx == 0 ? "met" : "MISSED",
                    restarts, restarts == 0 ? "met" : "MISSED");
            ok = p99Ratio <= 2 && base.errors5xx + loaded.errors5xx == 0 && restarts == 0;
        } // the stack stops here, before the exit
        System.exit(ok ? 0 : 1);
    }

    private record Phase(double p50, double p99, long requests, long errors5xx, long peakHeap, long maxHeap,
            long peakRssKb) {
    }

    /** Each operator in turn lists events and plays the recorded range (a Range request); latencies in ms. */
    private static Phase operate(String gw, List<String> operators, Instant[] range, Duration length,
            AtomicBoolean while_, int management, long gatewayPid) throws Exception {
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicLong errors = new AtomicLong();
        AtomicLong peakHeap = new AtomicLong();
        AtomicLong maxHeap = new AtomicLong();
        AtomicLong peakRss = new AtomicLong();
        long end = System.nanoTime() + length.toNanos();
        List<Thread> threads = new ArrayList<>();
        String play = gw + "/api/recorder/playback/cam1.mp4?from=" + range[0] + "&to=" + range[1];
        for (String cookie : operators) {
            Thread t = new Thread(() -> {
                int n = 0;
                while (System.nanoTime() < end) {
                    String url = n++ % 2 == 0 ? gw + "/api/events?limit=20" : play;
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Cookie",
                                cookie).header("Range", "bytes=0-65535").timeout(Duration.ofSeconds(30)).build(),
                                HttpResponse.BodyHandlers.ofByteArray());
                        if (r.statusCode() >= 500) {
                            errors.incrementAndGet();
                        }
                    } catch (IOException e) {
                        errors.incrementAndGet();
                    } catch (InterruptedException e) {
                        return;
                    }
                    latencies.add((System.nanoTime() - t0) / 1e6);
                    try {
                        Thread.sleep(200); // an operator clicks, then looks
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "operator");
            t.start();
            threads.add(t);
        }
        while (System.nanoTime() < end) {
            try {
                long[] heap = ServiceProcesses.heapBytes(management);
                peakHeap.accumulateAndGet(heap[0], Math::max);
                maxHeap.set(heap[1]);
                peakRss.accumulateAndGet(ServiceProcesses.rssKb(gatewayPid), Math::max);
            } catch (Exception e) {
                // a missed sample
            }
            Thread.sleep(250);
        }
        for (Thread t : threads) {
            t.join();
        }
        List<Double> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        return new Phase(at(sorted, 0.50), at(sorted, 0.99), sorted.size(), errors.get(), peakHeap.get(),
                maxHeap.get(), peakRss.get());
    }

    private static double at(List<Double> sorted, double q) {
        return sorted.isEmpty() ? Double.NaN : sorted.get(Math.min(sorted.size() - 1, (int) (q * sorted.size())));
    }

    /**
     * Flooders: bad sign-ins as fast as answers come. Each keeps a connection open from one address of
     * 127.10.0.0/16 for up to {@value #PER_CONNECTION} sign-ins (as a bot would), then moves to a new address.
     */
    private static List<Thread> startFlood(String gw, int n, AtomicBoolean flooding, Map<Integer, AtomicLong> answers) {
        int port = URI.create(gw).getPort();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int me = i;
            Thread t = new Thread(() -> {
                while (flooding.get()) {
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    String from = "127.10." + r.nextInt(256) + "." + (1 + r.nextInt(254));
                    try (Socket s = new Socket()) {
                        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
                        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                        s.setSoTimeout(60_000);
                        java.io.InputStream in = new java.io.BufferedInputStream(s.getInputStream());
                        for (int k = 0; k < PER_CONNECTION && flooding.get(); k++) {
                            String user = me % 4 == 0 ? "admin" : "made-up-" + r.nextInt(1_000_000);
                            String body = "{\"username\":\"" + user + "\",\"password\":\"guess-" + r.nextLong() + "\"}";
                            s.getOutputStream().write(("POST /api/auth/login HTTP/1.1\r\nHost: x\r\n"
                                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n"
                                    + body).getBytes(StandardCharsets.US_ASCII));
                            int[] answer = readResponse(in);
                            answers.computeIfAbsent(answer[0], x -> new AtomicLong()).incrementAndGet();
                            if (answer[1] == 1) {
                                break; // the server closed the connection
                            }
                        }
                    } catch (IOException e) {
                        answers.computeIfAbsent(-1, x -> new AtomicLong()).incrementAndGet();
                    }
                }
            }, "flooder-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        return threads;
    }

    private static final int PER_CONNECTION = 20;

    /** Reads one HTTP/1.1 response with a Content-Length: its status (-1: none), and 1 when the connection ends. */
    private static int[] readResponse(java.io.InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            head.append((char) c);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                break;
            }
        }
        if (c < 0 || head.length() < 12) {
            return new int[] {-1, 1};
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        in.readNBytes(length);
        boolean closes = head.toString().toLowerCase(java.util.Locale.ROOT).contains("connection: close");
        return new int[] {Integer.parseInt(head.substring(9, 12)), closes ? 1 : 0};
    }

    /** Signs in from 127.0.0.1: the Cookie header for later requests (for other benchmarks). */
    static String sessionFor(String gw, String user, String password) throws Exception {
        return session(gw, "127.0.0.1", user, password);
    }

    /** The CSRF token of a Cookie header from {@link #sessionFor}. */
    static String csrfOf(String cookieHeader) {
        return csrf(cookieHeader);
    }

    /** Signs in and returns the request's Cookie header (session and CSRF cookies). */
    private static String session(String gw, String from, String user, String password) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(gw + "/api/auth/login"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("sign-in of " + user + ": " + r.statusCode() + " " + r.body());
        }
        List<String> cookies = new ArrayList<>();
        for (String c : r.headers().allValues("Set-Cookie")) {
            if (c.startsWith("vigil_session=") || c.startsWith("vigil_csrf=")) {
                cookies.add(c.substring(0, c.indexOf(';')));
            }
        }
        return String.join("; ", cookies);
    }

    private static String csrf(String cookieHeader) {
        for (String c : cookieHeader.split("; ")) {
            if (c.startsWith("vigil_csrf=")) {
                return c.substring("vigil_csrf=".length());
            }
        }
        throw new IllegalStateException("no CSRF cookie");
    }

    /** Waits for a closed segment of cam1 and returns its time range. */
    private static Instant[] recordedRange(String gw, String cookie) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode list = Json.mapper().readTree(HTTP.send(HttpRequest.newBuilder(URI.create(gw
                    + "/api/segments?camera=cam1")).header("Cookie", cookie).build(), HttpResponse.BodyHandlers
                    .ofString()).body());
            JsonNode items = list.isArray() ? list : list.path("items");
            if (items.size() > 0) {
                JsonNode s = items.get(0);
                return new Instant[] {Instant.parse(s.path("startedAt").asText()),
                    Instant.parse(s.path("endedAt").asText())};
            }
            Thread.sleep(1000);
        }
        throw new IllegalStateException("no segment of cam1 within 2 minutes");
    }


    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
