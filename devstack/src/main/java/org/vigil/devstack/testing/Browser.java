package org.vigil.devstack.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.vigil.runtime.process.ProcessTree;

/**
 * A small headless browser for tests: Debian's Chromium driven over the Chrome DevTools Protocol (CDP) on a
 * {@link WebSocket}. One instance is one Chromium process with a fresh profile and one page; use it with
 * try-with-resources so {@link #close()} stops the process tree and deletes the profile.
 *
 * <p>Every wait polls against a deadline and fails with what was seen. Methods are meant to be called from one test
 * thread; the console log and the protocol plumbing are thread-safe.
 */
public final class Browser implements AutoCloseable {

    /** Limit for one CDP command, for navigation and for {@link #launch()}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final Duration POLL = Duration.ofMillis(100);
    private static final int CONSOLE_LIMIT = 2_000;
    private static final int STDERR_LIMIT = 200;
    /** Without Jackson's 20 MB string limit: a screenshot's base64 can be longer. */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build()).build());
    private static final Pattern REPLY_ID = Pattern.compile("^\\{\\s*\"id\"\\s*:\\s*(\\d+)");
    private static final List<String> FLAGS = List.of("--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--no-default-browser-check", "--mute-audio",
            "--autoplay-policy=no-user-gesture-required", "--window-size=1280,900",
            "--remote-debugging-port=0");
    private static final Map<String, Key> KEYS = keys();

    private final Path executable;
    private final Process process;
    private final Path profile;
    private final Deque<String> stderr = new ArrayDeque<>();
    private final Thread stderrReader;
    private final HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "browser-cdp-background");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final Deque<String> console = new ArrayDeque<>();
    private final Object sendLock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();

    private volatile WebSocket socket;
    private volatile String sessionId;
    private volatile String mainFrameId;
    private volatile String url = "about:blank";
    private volatile String broken;

    private record Pending(String method, CompletableFuture<JsonNode> reply) {
    }

    private record Subscription(String method, Consumer<JsonNode> handler) {
    }

    private record Key(String key, String code, int keyCode, String text) {
    }

    private Browser(Path executable, Process process, Path profile) {
        this.executable = executable;
        this.process = process;
        this.profile = profile;
        this.stderrReader = new Thread(this::drainStderr, "chromium-stderr-" + process.pid());
        stderrReader.setDaemon(true);
        stderrReader.start();
        on("Runtime.consoleAPICalled", this::onConsoleApi);
        on("Runtime.exceptionThrown", e -> record("exception: " + describe(e.path("exceptionDetails"))));
        on("Log.entryAdded", this::onLogEntry);
        on("Page.frameNavigated", this::onFrameNavigated);
        on("Page.navigatedWithinDocument", e -> {
            if (e.path("frameId").asText().equals(mainFrameId)) {
                url = e.path("url").asText();
            }
        });
        on("Page.javascriptDialogOpening", this::onDialog);
        on("Inspector.targetCrashed", e -> fail("the page crashed"));
    }

    // ---------------------------------------------------------------- launching

    /**
     * The Chromium to run: {@code $VIGIL_CHROMIUM} if set, else {@code /usr/bin/chromium} or
     * {@code /usr/bin/chromium-browser}; empty if none is installed.
     *
     * @throws IllegalStateException if {@code VIGIL_CHROMIUM} is set but names no executable file
     */
    public static Optional<Path> executable() {
        String configured = System.getenv("VIGIL_CHROMIUM");
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured.trim());
            if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
                throw new IllegalStateException("VIGIL_CHROMIUM=" + configured + " is not an executable file");
            }
            return Optional.of(path);
        }
        return Stream.of("/usr/bin/chromium", "/usr/bin/chromium-browser").map(Path::of)
                .filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).findFirst();
    }

    /** Starts headless Chromium on about:blank, waiting up to {@link #DEFAULT_TIMEOUT}. */
    public static Browser launch() {
        return launch(DEFAULT_TIMEOUT);
    }

    /** Starts headless Chromium on about:blank, waiting up to {@code timeout} for DevTools and the page. */
    public static Browser launch(Duration timeout) {
        Path exe = executable().orElseThrow(() -> new IllegalStateException(
                "no Chromium found: install Debian's chromium (apt-get install chromium) or set VIGIL_CHROMIUM"));
        return launch(exe, timeout);
    }

    /** Starts {@code executable} (a Chromium) headless on about:blank, waiting up to {@code timeout}. */
    public static Browser launch(Path executable, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Path profile = createProfile();
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.addAll(FLAGS);
        command.add("--user-data-dir=" + profile);
        command.add("about:blank");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("TMPDIR", System.getProperty("java.io.tmpdir"));
        // keeps crashpad's database (and anything else Chromium puts under ~/.config or ~/.cache) in the profile
        builder.environment().put("XDG_CONFIG_HOME", profile.resolve("xdg-config").toString());
        builder.environment().put("XDG_CACHE_HOME", profile.resolve("xdg-cache").toString());
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            deleteTree(profile);
            throw new UncheckedIOException("cannot start " + executable, e);
        }
        Browser browser = new Browser(executable, process, profile);
        try {
            browser.connect(deadline);
            return browser;
        } catch (RuntimeException | Error e) {
            try {
                browser.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static Path createProfile() {
        try {
            try {
                return Files.createTempDirectory("vigil-chromium-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException notPosix) {
                return Files.createTempDirectory("vigil-chromium-");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a Chromium profile directory", e);
        }
    }

    private void connect(long deadline) {
        String endpoint = awaitDevTools(deadline);
        try {
            socket = http.newWebSocketBuilder().connectTimeout(remaining(deadline))
                    .buildAsync(URI.create(endpoint), new Receiver())
                    .get(remaining(deadline).toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot connect to Chromium's DevTools at " + endpoint + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to Chromium", e);
        }
        mainFrameId = pageTarget(deadline);
        sessionId = call(null, "Target.attachToTarget", params("targetId", mainFrameId, "flatten", true),
                remaining(deadline)).path("sessionId").asText();
        for (String domain : List.of("Page", "Runtime", "Log", "Network")) {
            send(domain + ".enable", params(), remaining(deadline));
        }
        send("Page.setLifecycleEventsEnabled", params("enabled", true), remaining(deadline));
        send("Emulation.setFocusEmulationEnabled", params("enabled", true), remaining(deadline));
    }

    /** Polls {@code <profile>/DevToolsActivePort} (port, then browser path) until Chromium writes it. */
    private String awaitDevTools(long deadline) {
        Path file = profile.resolve("DevToolsActivePort");
        while (true) {
            try {
                List<String> lines = Files.readAllLines(file);
                if (lines.size() >= 2 && lines.get(0).trim().matches("\\d+")
                        && lines.get(1).trim().startsWith("/devtools/browser/")) {
                    return "ws://127.0.0.1:" + lines.get(0).trim() + lines.get(1).trim();
                }
            } catch (NoSuchFileException e) {
                // not written yet
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
            if (!process.isAlive()) {
                awaitStderr(Duration.ofSeconds(2));
                throw new IllegalStateException(executable + " exited with code " + process.exitValue()
                        + " before opening DevTools; stderr tail:\n" + stderrTail(20));
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException(executable + " did not open DevTools in time (no " + file
                        + "); stderr tail:\n" + stderrTail(20));
            }
            sleep(Duration.ofMillis(50));
        }
    }

    /** The page Chromium opened for about:blank; a new one if it does not show up within a few seconds. */
    private String pageTarget(long deadline) {
        long giveUp = Math.min(deadline, System.nanoTime() + Duration.ofSeconds(5).toNanos());
        do {
            for (JsonNode target : call(null, "Target.getTargets", params(), remaining(deadline)).path("targetInfos")) {
                if ("page".equals(target.path("type").asText())) {
                    return target.path("targetId").asText();
                }
            }
            sleep(Duration.ofMillis(50));
        } while (System.nanoTime() - giveUp < 0);
        return call(null, "Target.createTarget", params("url", "about:blank"), remaining(deadline))
                .path("targetId").asText();
    }

    // ---------------------------------------------------------------- page API

    /** Navigates with {@link #DEFAULT_TIMEOUT}; see {@link #navigate(String, Duration)}. */
    public void navigate(String url) {
        navigate(url, DEFAULT_TIMEOUT);
    }

    /**
     * Loads {@code url} and waits for that document's load event.
     *
     * @throws IllegalStateException if navigation fails (with Chromium's error text, e.g. net::ERR_CONNECTION_REFUSED)
     *         or the page does not load within {@code timeout}
     */
    public void navigate(String url, Duration timeout) {
        ensureOpen();
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> loaded = ConcurrentHashMap.newKeySet();
        Runnable unsubscribe = on("Page.lifecycleEvent", e -> {
            if ("load".equals(e.path("name").asText())) {
                loaded.add(e.path("loaderId").asText());
            }
        });
        try {
            JsonNode result = send("Page.navigate", params("url", url), timeout);
            String error = result.path("errorText").asText("");
            if (!error.isEmpty()) {
                throw new IllegalStateException("navigate(" + url + ") failed: " + error);
            }
            String loaderId = result.path("loaderId").asText("");
            if (loaderId.isEmpty()) {
                return; // same-document navigation: nothing to load
            }
            while (!loaded.contains(loaderId)) {
                checkConnection("navigate(" + url + ")");
                if (System.nanoTime() - deadline >= 0) {
                    throw new IllegalStateException("navigate(" + url + "): no load event within " + timeout
                            + "; the page is at " + this.url + "\n" + consoleTail(20));
                }
                sleep(Duration.ofMillis(20));
            }
        } finally {
            unsubscribe.run();
        }
    }

    /** The main frame's current URL, as last reported by Chromium. */
    public String url() {
        return url;
    }

    /**
     * Evaluates a JavaScript expression in the page and returns its value as JSON; promises are awaited.
     * {@code undefined} comes back as {@link NullNode}, numbers JSON cannot hold as text ({@code "NaN"},
     * {@code "Infinity"}, {@code "-0"}, bigints like {@code "1n"}), functions and DOM nodes as {@code {}}; symbols
     * cannot be returned (Chromium reports an error).
     *
     * @throws IllegalStateException if the expression throws or its promise rejects; the message holds the error's
     *         description (usually {@code "Error: message"} and its stack)
     */
    public JsonNode evaluate(String expression) {
        return evaluate(expression, DEFAULT_TIMEOUT);
    }

    private JsonNode evaluate(String expression, Duration timeout) {
        return valueOf(remoteObject(expression, timeout));
    }

    /** Runs Runtime.evaluate and returns the result's RemoteObject (value, unserializableValue or type only). */
    private JsonNode remoteObject(String expression, Duration timeout) {
        ensureOpen();
        JsonNode reply = send("Runtime.evaluate", params("expression", expression, "returnByValue", true,
                "awaitPromise", true, "userGesture", true), timeout);
        if (reply.has("exceptionDetails")) {
            throw new IllegalStateException("JavaScript error: " + describe(reply.get("exceptionDetails"))
                    + "\n  while evaluating: " + abbreviate(expression, 300));
        }
        return reply.path("result");
    }

    private static JsonNode valueOf(JsonNode remoteObject) {
        if (remoteObject.has("value")) {
            return remoteObject.get("value");
        }
        if (remoteObject.has("unserializableValue")) {
            return TextNode.valueOf(remoteObject.get("unserializableValue").asText());
        }
        return NullNode.getInstance();
    }

    /**
     * Evaluates {@code expression} every 100 ms until its value is truthy (not null, undefined, false, 0, NaN or "")
     * and returns that value. An expression that throws counts as not yet true.
     *
     * @throws AssertionError on timeout, naming the expression, its last value or error, the URL and the recent console
     */
    public JsonNode waitFor(String expression, Duration timeout) {
        ensureOpen();
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        String lastError = null;
        while (true) {
            try {
                Duration limit = remaining(deadline).compareTo(Duration.ofSeconds(2)) < 0 ? Duration.ofSeconds(2)
                        : remaining(deadline);
                JsonNode result = remoteObject(expression, limit);
                last = valueOf(result);
                lastError = null;
                if (truthy(result)) {
                    return last;
                }
            } catch (IllegalStateException e) {
                checkConnection("waitFor(" + expression + ")");
                lastError = e.getMessage();
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("waitFor timed out after " + timeout + ": " + expression
                        + "\n  last value: " + (last == null ? "(none)" : last)
                        + (lastError == null ? "" : "\n  last error: " + lastError)
                        + "\n  url: " + url + "\n" + consoleTail(20));
            }
            sleep(min(POLL, remaining(deadline)));
        }
    }

    /**
     * Clicks the centre of the first element matching {@code cssSelector} with real mouse events, after scrolling it
     * into view.
     *
     * @throws IllegalStateException if nothing matches, the element has no size, or another element covers its centre
     */
    public void click(String cssSelector) {
        JsonNode box = evaluate("(() => {\n"
                + "  const el = document.querySelector(" + jsString(cssSelector) + ");\n"
                + "  if (!el) return {found: false};\n"
                + "  el.scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'});\n"
                + "  const r = el.getBoundingClientRect();\n"
                + "  const x = r.left + r.width / 2, y = r.top + r.height / 2;\n"
                + "  const hit = r.width > 0 && r.height > 0 ? document.elementFromPoint(x, y) : null;\n"
                + "  return {found: true, x, y, width: r.width, height: r.height,\n"
                + "          hit: !!hit && (hit === el || el.contains(hit)),\n"
                + "          cover: hit ? hit.outerHTML.slice(0, 160) : null};\n"
                + "})()");
        String what = "click(" + cssSelector + ")";
        if (!box.path("found").asBoolean()) {
            throw new IllegalStateException(what + ": no element matches on " + url);
        }
        if (box.path("width").asDouble() <= 0 || box.path("height").asDouble() <= 0) {
            throw new IllegalStateException(what + ": the element has zero size (" + box.path("width").asDouble()
                    + "x" + box.path("height").asDouble() + "); is it hidden?");
        }
        if (!box.path("hit").asBoolean()) {
            throw new IllegalStateException(what + ": another element covers its centre: "
                    + box.path("cover").asText("(nothing, the centre is off-screen)"));
        }
        double x = box.path("x").asDouble();
        double y = box.path("y").asDouble();
        mouse("mouseMoved", x, y, "none", 0);
        mouse("mousePressed", x, y, "left", 1);
        mouse("mouseReleased", x, y, "left", 0);
    }

    private void mouse(String type, double x, double y, String button, int buttons) {
        send("Input.dispatchMouseEvent", params("type", type, "x", x, "y", y, "button", button, "buttons", buttons,
                "clickCount", "mouseMoved".equals(type) ? 0 : 1), DEFAULT_TIMEOUT);
    }

    /**
     * Clicks the element to focus it, then inserts {@code text} as if typed. In an input or textarea the caret is first
     * moved to the end, so the text is appended to the current value.
     *
     * @throws IllegalStateException if the element is missing or cannot take focus
     */
    public void type(String cssSelector, String text) {
        click(cssSelector);
        JsonNode focused = evaluate("(() => {\n"
                + "  const el = document.querySelector(" + jsString(cssSelector) + ");\n"
                + "  if (!el) return false;\n"
                + "  const has = () => el === document.activeElement || el.contains(document.activeElement);\n"
                + "  if (!has()) el.focus();\n"
                + "  const f = document.activeElement;\n"
                + "  if (f instanceof HTMLInputElement || f instanceof HTMLTextAreaElement) {\n"
                + "    try { f.setSelectionRange(f.value.length, f.value.length); } catch (e) { /* type=number */ }\n"
                + "  }\n"
                + "  return has();\n"
                + "})()");
        if (!focused.asBoolean()) {
            throw new IllegalStateException("type(" + cssSelector + "): the element did not take focus");
        }
        send("Input.insertText", params("text", text), DEFAULT_TIMEOUT);
    }

    /**
     * Presses and releases a key on the focused element: Enter, Tab, Escape, Space, Backspace, ArrowUp, ArrowDown,
     * ArrowLeft or ArrowRight.
     */
    public void press(String key) {
        Key k = KEYS.get(key);
        if (k == null) {
            throw new IllegalArgumentException("press(" + key + "): unknown key; known: " + KEYS.keySet());
        }
        ObjectNode down = params("type", k.text() == null ? "rawKeyDown" : "keyDown", "key", k.key(), "code",
                k.code(), "windowsVirtualKeyCode", k.keyCode(), "nativeVirtualKeyCode", k.keyCode());
        if (k.text() != null) {
            down.put("text", k.text()).put("unmodifiedText", k.text());
        }
        send("Input.dispatchKeyEvent", down, DEFAULT_TIMEOUT);
        send("Input.dispatchKeyEvent", params("type", "keyUp", "key", k.key(), "code", k.code(),
                "windowsVirtualKeyCode", k.keyCode(), "nativeVirtualKeyCode", k.keyCode()), DEFAULT_TIMEOUT);
    }

    private static Map<String, Key> keys() {
        Map<String, Key> keys = new LinkedHashMap<>();
        keys.put("Enter", new Key("Enter", "Enter", 13, "\r"));
        keys.put("Tab", new Key("Tab", "Tab", 9, null));
        keys.put("Escape", new Key("Escape", "Escape", 27, null));
        keys.put("Space", new Key(" ", "Space", 32, " "));
        keys.put("Backspace", new Key("Backspace", "Backspace", 8, null));
        keys.put("ArrowLeft", new Key("ArrowLeft", "ArrowLeft", 37, null));
        keys.put("ArrowUp", new Key("ArrowUp", "ArrowUp", 38, null));
        keys.put("ArrowRight", new Key("ArrowRight", "ArrowRight", 39, null));
        keys.put("ArrowDown", new Key("ArrowDown", "ArrowDown", 40, null));
        return Collections.unmodifiableMap(keys);
    }

    /** Saves a PNG of the whole page (beyond the viewport too), creating parent directories. */
    public void screenshot(Path png) {
        JsonNode shot = send("Page.captureScreenshot", params("format", "png", "captureBeyondViewport", true),
                DEFAULT_TIMEOUT);
        byte[] bytes = Base64.getDecoder().decode(shot.path("data").asText());
        try {
            Path parent = png.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(png, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write screenshot " + png, e);
        }
    }

    /**
     * What the page logged so far, oldest first (at most the last 2000 lines): {@code console.<type>: args},
     * {@code exception: description} for uncaught errors, {@code log.<level> [source]: text} for browser messages, and
     * {@code dialog.<type>: message} for alerts, which are accepted automatically.
     */
    public List<String> console() {
        synchronized (console) {
            return List.copyOf(console);
        }
    }

    /**
     * Waits until a {@link #console()} line contains {@code fragment} and returns that line.
     *
     * @throws AssertionError on timeout, with the recent console
     */
    public String waitForConsole(String fragment, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<String> line = console().stream().filter(l -> l.contains(fragment)).findFirst();
            if (line.isPresent()) {
                return line.get();
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("no console line containing \"" + fragment + "\" within " + timeout
                        + "\n  url: " + url + "\n" + consoleTail(20));
            }
            sleep(min(Duration.ofMillis(50), remaining(deadline)));
        }
    }

    /** Sets a cookie for {@code url} (its host and path). */
    public void setCookie(String name, String value, String url) {
        JsonNode result = send("Network.setCookie", params("name", name, "value", value, "url", url), DEFAULT_TIMEOUT);
        if (result.has("success") && !result.get("success").asBoolean()) {
            throw new IllegalStateException("Chromium refused cookie " + name + " for " + url);
        }
    }

    /** The cookies the current page would send, by name. */
    public Map<String, String> cookies() {
        Map<String, String> cookies = new LinkedHashMap<>();
        for (JsonNode c : send("Network.getCookies", params(), DEFAULT_TIMEOUT).path("cookies")) {
            cookies.putIfAbsent(c.path("name").asText(), c.path("value").asText());
        }
        return cookies;
    }

    /**
     * Sends a raw CDP command to the page and returns its result; for what this class does not cover.
     *
     * @throws IllegalStateException on a protocol error (with its message) or when no reply comes within
     *         {@link #DEFAULT_TIMEOUT} (naming the method)
     */
    public JsonNode send(String method, ObjectNode params) {
        return send(method, params, DEFAULT_TIMEOUT);
    }

    /**
     * Calls {@code handler} with the params of every {@code method} event from the page (on the WebSocket's thread: be
     * quick, never block). Returns what removes the handler.
     */
    public Runnable on(String method, Consumer<JsonNode> handler) {
        Subscription subscription = new Subscription(method, handler);
        subscriptions.add(subscription);
        return () -> subscriptions.remove(subscription);
    }

    /** Chromium's process id (the browser process; renderers and helpers are its descendants). */
    public long pid() {
        return process.pid();
    }

    /** The temporary profile directory ({@code --user-data-dir}); {@link #close()} deletes it. */
    public Path profile() {
        return profile;
    }

    // ---------------------------------------------------------------- closing

    /**
     * Asks Chromium to quit, then stops what is left of its processes (TERM, then KILL after a grace period) and
     * deletes the profile. Idempotent.
     *
     * @throws IllegalStateException if a process survived or the profile could not be deleted
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        boolean interrupted = Thread.interrupted(); // cleanup must run even in a test that timed out
        try {
            shutDown();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void shutDown() {
        Set<ProcessHandle> processes = processes();
        boolean askedToQuit = socket != null && broken == null;
        if (askedToQuit) {
            try {
                call(null, "Browser.close", params(), Duration.ofSeconds(3));
            } catch (RuntimeException e) {
                // the connection usually drops before the reply; the process exit below is what counts
            }
        }
        fail("the browser was closed");
        if (socket != null) {
            socket.abort();
        }
        background.shutdownNow();
        List<String> problems = new ArrayList<>();
        List<ProcessHandle> survivors = stop(processes, askedToQuit ? Duration.ofSeconds(5) : Duration.ZERO);
        if (!survivors.isEmpty()) {
            problems.add("Chromium processes survived: " + survivors.stream().map(h -> h.pid() + " "
                    + h.info().command().orElse("?")).collect(Collectors.joining(", ")));
        }
        Optional<Path> singletonDir = singletonDir();
        try {
            deleteTree(profile);
            singletonDir.ifPresent(Browser::deleteTree);
        } catch (UncheckedIOException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("; ", problems));
        }
    }

    /**
     * Chromium's process, its descendants and whatever names the profile in its arguments: helpers left behind when
     * the browser process dies, and crashpad's handler, which Chromium double-forks out of its tree.
     */
    private Set<ProcessHandle> processes() {
        Set<ProcessHandle> processes = new LinkedHashSet<>();
        processes.add(process.toHandle());
        process.descendants().forEach(processes::add);
        String dir = profile.toString();
        ProcessHandle.allProcesses().filter(h -> h.info().arguments().stream().flatMap(Arrays::stream)
                .anyMatch(arg -> arg.endsWith(dir) || arg.contains(dir + "/"))).forEach(processes::add);
        return processes;
    }

    /** Gives the browser process {@code grace} to quit, then stops what is left of its processes. */
    private List<ProcessHandle> stop(Set<ProcessHandle> processes, Duration grace) {
        ProcessTree.awaitExit(List.of(process.toHandle()), grace);
        processes.addAll(processes());
        // zygotes and renderers linger for seconds after the browser quits; nothing in them is worth waiting for
        return ProcessTree.stop(processes, Duration.ofSeconds(2));
    }

    /** The temp directory behind {@code <profile>/SingletonSocket}, which Chromium removes only on a clean exit. */
    private Optional<Path> singletonDir() {
        try {
            Path dir = Files.readSymbolicLink(profile.resolve("SingletonSocket")).getParent();
            String name = dir == null || dir.getFileName() == null ? "" : dir.getFileName().toString();
            return name.startsWith("org.chromium.") || name.startsWith(".org.chromium.") ? Optional.of(dir)
                    : Optional.empty();
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /** Deletes a directory tree, retrying briefly in case a dying process still writes into it. */
    private static void deleteTree(Path dir) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
                return;
            } catch (NoSuchFileException e) {
                if (!Files.exists(dir)) {
                    return;
                }
            } catch (IOException | UncheckedIOException e) {
                if (System.nanoTime() - deadline >= 0) {
                    throw new UncheckedIOException("cannot delete Chromium profile " + dir,
                            e instanceof IOException io ? io : ((UncheckedIOException) e).getCause());
                }
            }
            sleep(Duration.ofMillis(100));
        }
    }

    // ---------------------------------------------------------------- CDP plumbing

    private JsonNode send(String method, ObjectNode params, Duration timeout) {
        ensureOpen();
        return call(sessionId, method, params, timeout);
    }

    private JsonNode call(String session, String method, ObjectNode params, Duration timeout) {
        checkConnection("CDP " + method);
        int id = ids.incrementAndGet();
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", params);
        if (session != null) {
            message.put("sessionId", session);
        }
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, new Pending(method, reply));
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            checkConnection("CDP " + method); // fail() may have run between the first check and put()
            synchronized (sendLock) {
                socket.sendText(message.toString(), true).get(remaining(deadline).toMillis(), TimeUnit.MILLISECONDS);
            }
            return reply.get(remaining(deadline).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("CDP " + method + ": no reply within " + timeout + "; " + processState());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new IllegalStateException(cause instanceof IllegalStateException ? cause.getMessage()
                    : "CDP " + method + " could not be sent: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for CDP " + method, e);
        } finally {
            pending.remove(id);
        }
    }

    private String processState() {
        return process.isAlive() ? "Chromium is still running"
                : "Chromium exited with code " + process.exitValue() + "; stderr tail:\n" + stderrTail(10);
    }

    private final class Receiver implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String message = text.toString();
                text.setLength(0);
                dispatch(message);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            fail("Chromium closed the DevTools connection (" + statusCode + (reason.isEmpty() ? "" : " " + reason)
                    + ")");
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            fail("the DevTools connection failed: " + error);
        }
    }

    private void dispatch(String text) {
        JsonNode message;
        try {
            message = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            Matcher id = REPLY_ID.matcher(text);
            Pending p = id.find() ? pending.get(Integer.parseInt(id.group(1))) : null;
            if (p != null) {
                p.reply().completeExceptionally(new IllegalStateException("CDP " + p.method()
                        + ": cannot parse the reply: " + e.getOriginalMessage()));
            } else {
                record("driver: cannot parse a CDP message: " + e.getOriginalMessage());
            }
            return;
        }
        if (message.has("id")) {
            Pending p = pending.get(message.get("id").asInt());
            if (p == null) {
                return; // its caller timed out
            }
            JsonNode error = message.get("error");
            if (error != null) {
                p.reply().completeExceptionally(new IllegalStateException("CDP " + p.method() + " failed: "
                        + error.path("message").asText() + (error.has("data") ? " (" + error.get("data").asText()
                        + ")" : "")));
            } else {
                p.reply().complete(message.path("result"));
            }
            return;
        }
        String method = message.path("method").asText();
        JsonNode params = message.path("params");
        if ("Target.detachedFromTarget".equals(method) && params.path("sessionId").asText().equals(sessionId)) {
            fail("the page was detached (closed?)");
            return;
        }
        if (!message.path("sessionId").asText().equals(sessionId == null ? "" : sessionId)) {
            return;
        }
        for (Subscription s : subscriptions) {
            if (s.method().equals(method)) {
                try {
                    s.handler().accept(params);
                } catch (RuntimeException e) {
                    record("driver: handler for " + method + " failed: " + e);
                }
            }
        }
    }

    /** Marks the connection unusable and fails every outstanding command with {@code reason}. */
    private void fail(String reason) {
        if (broken == null) {
            broken = reason;
        }
        for (Pending p : pending.values()) {
            p.reply().completeExceptionally(new IllegalStateException("CDP " + p.method() + " failed: " + reason));
        }
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the browser is closed");
        }
    }

    private void checkConnection(String what) {
        String reason = broken;
        if (reason != null) {
            throw new IllegalStateException(what + " failed: " + reason + "; " + processState());
        }
    }

    // ---------------------------------------------------------------- events

    private void onConsoleApi(JsonNode e) {
        List<String> args = new ArrayList<>();
        for (JsonNode arg : e.path("args")) {
            JsonNode value = arg.get("value");
            if (value != null) {
                args.add(value.isTextual() ? value.asText() : value.toString());
            } else if (arg.has("unserializableValue")) {
                args.add(arg.get("unserializableValue").asText());
            } else {
                args.add(arg.path("description").asText(arg.path("type").asText()));
            }
        }
        record("console." + e.path("type").asText() + ": " + String.join(" ", args));
    }

    private void onLogEntry(JsonNode e) {
        JsonNode entry = e.path("entry");
        String source = entry.path("url").asText("");
        record("log." + entry.path("level").asText() + " [" + entry.path("source").asText() + "]: "
                + entry.path("text").asText() + (source.isEmpty() ? "" : " (" + source + ")"));
    }

    private void onFrameNavigated(JsonNode e) {
        JsonNode frame = e.path("frame");
        if (!frame.has("parentId")) {
            mainFrameId = frame.path("id").asText(mainFrameId);
            url = frame.path("url").asText() + frame.path("urlFragment").asText("");
        }
    }

    private void onDialog(JsonNode e) {
        record("dialog." + e.path("type").asText() + ": " + e.path("message").asText());
        String session = sessionId;
        background.execute(() -> {
            try {
                call(session, "Page.handleJavaScriptDialog", params("accept", true), Duration.ofSeconds(5));
            } catch (RuntimeException ex) {
                record("driver: could not accept the dialog: " + ex.getMessage());
            }
        });
    }

    private void record(String line) {
        synchronized (console) {
            console.addLast(line);
            while (console.size() > CONSOLE_LIMIT) {
                console.removeFirst();
            }
        }
    }

    private String consoleTail(int lines) {
        List<String> all = console();
        List<String> tail = all.subList(Math.max(0, all.size() - lines), all.size());
        return "  console (last " + tail.size() + " of " + all.size() + " lines):"
                + tail.stream().map(l -> "\n    " + l).collect(Collectors.joining());
    }

    private void drainStderr() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                synchronized (stderr) {
                    stderr.addLast(line);
                    while (stderr.size() > STDERR_LIMIT) {
                        stderr.removeFirst();
                    }
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    private void awaitStderr(Duration timeout) {
        try {
            stderrReader.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String stderrTail(int lines) {
        synchronized (stderr) {
            List<String> all = new ArrayList<>(stderr);
            return all.subList(Math.max(0, all.size() - lines), all.size()).stream().map(l -> "    " + l)
                    .collect(Collectors.joining("\n"));
        }
    }

    // ---------------------------------------------------------------- helpers

    private static String describe(JsonNode exceptionDetails) {
        JsonNode exception = exceptionDetails.path("exception");
        if (exception.hasNonNull("description")) {
            return exception.get("description").asText();
        }
        String text = exceptionDetails.path("text").asText("exception");
        JsonNode value = exception.get("value");
        return value == null ? text : text + " " + (value.isTextual() ? value.asText() : value.toString());
    }

    /** JavaScript truthiness of an evaluation result (a RemoteObject). */
    private static boolean truthy(JsonNode remoteObject) {
        JsonNode value = remoteObject.get("value");
        if (value != null) {
            return !(value.isNull() || value.isBoolean() && !value.asBoolean()
                    || value.isNumber() && value.asDouble() == 0 || value.isTextual() && value.asText().isEmpty());
        }
        String unserializable = remoteObject.path("unserializableValue").asText(null);
        if (unserializable != null) {
            return !List.of("NaN", "-0", "0n").contains(unserializable);
        }
        return !"undefined".equals(remoteObject.path("type").asText("undefined"));
    }

    private static ObjectNode params(Object... keysAndValues) {
        ObjectNode node = JSON.createObjectNode();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            node.set((String) keysAndValues[i], JSON.valueToTree(keysAndValues[i + 1]));
        }
        return node;
    }

    private static String jsString(String s) {
        return TextNode.valueOf(s).toString();
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

    /** Time left until {@code deadline} (a nanoTime), at least 1 ms so it is a valid timeout. */
    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(Math.max(1, d.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
