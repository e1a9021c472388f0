package org.vigil.devstack.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.ElementClickInterceptedException;
import org.openqa.selenium.ElementNotInteractableException;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.UnexpectedAlertBehaviour;
import org.openqa.selenium.UnhandledAlertException;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.chromium.AddHasCdp;
import org.openqa.selenium.chromium.ChromiumDriverLogLevel;
import org.openqa.selenium.devtools.CdpVersionFinder;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.remote.RemoteExecuteMethod;
import org.vigil.runtime.process.ProcessTree;

/**
 * A small headless browser for tests: Debian's Chromium driven by Selenium through Debian's chromedriver. Both are
 * found on this machine ({@link #executable()}); nothing is ever downloaded, so Selenium Manager never runs. One
 * instance is one Chromium with a fresh profile and one page; use it with try-with-resources so {@link #close()} stops
 * chromedriver and Chromium's process tree and deletes the profile.
 *
 * <p>JavaScript runs through chromedriver's DevTools endpoint ({@code Runtime.evaluate}), so it ignores the page's
 * Content-Security-Policy, as DevTools does. Dialogs (alert, confirm, prompt) are accepted and recorded in
 * {@link #console()}. Every wait polls against a deadline and fails with what was seen. Methods are meant to be called
 * from one test thread.
 */
public final class Browser implements AutoCloseable {

    /** Limit for navigation, and for {@link #launch()} to start chromedriver. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final Duration POLL = Duration.ofMillis(100);
    private static final int CONSOLE_LIMIT = 2_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INSTALL = "install Debian's chromium and chromium-driver (apt-get install chromium "
            + "chromium-driver) or set VIGIL_CHROMIUM and VIGIL_CHROMEDRIVER";
    private static final List<String> FLAGS = List.of("--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--no-default-browser-check", "--mute-audio",
            "--autoplay-policy=no-user-gesture-required", "--window-size=1280,900");
    private static final Map<String, Keys> KEYS = keys();
    /**
     * Selenium warns at every start that it has no selenium-devtools artifact for this Chromium's version; this class
     * never uses one (it sends DevTools commands through chromedriver). Held here: JUL keeps loggers weakly.
     */
    private static final Logger CDP_VERSION_FINDER = Logger.getLogger(CdpVersionFinder.class.getName());

    static {
        CDP_VERSION_FINDER.setLevel(Level.SEVERE);
    }

    private final ChromeDriverService service;
    private final ChromeDriver driver;
    private final RemoteExecuteMethod execute;
    private final ProcessHandle chromium;
    private final Path profile;
    private final Deque<String> console = new ArrayDeque<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The origins this browser has loaded pages from: a reused browser's storage is cleared for each. */
    private final Set<String> origins = new LinkedHashSet<>();
    /** Whether {@link #close()} only clears this browser for the next test ({@link #reused}). */
    private volatile boolean reusable;
    /** The browser {@link #reused} hands out, or {@code null}. */
    private static Browser reused;

    private Browser(ChromeDriverService service, ChromeDriver driver, Path profile) {
        this.service = service;
        this.driver = driver;
        this.execute = new RemoteExecuteMethod(driver);
        this.profile = profile;
        Object pid = driver.getCapabilities().getCapability("goog:processID");
        if (!(pid instanceof Number number)) {
            throw new IllegalStateException("chromedriver did not report Chromium's process id (goog:processID)");
        }
        this.chromium = ProcessHandle.of(number.longValue())
                .orElseThrow(() -> new IllegalStateException("Chromium (pid " + pid + ") exited at once"));
    }

    // ---------------------------------------------------------------- launching

    /**
     * The Chromium to run: {@code $VIGIL_CHROMIUM} if set, else {@code /usr/bin/chromium} or
     * {@code /usr/bin/chromium-browser}; empty if none is installed, or if chromedriver is missing
     * ({@code $VIGIL_CHROMEDRIVER} if set, else {@code /usr/bin/chromedriver}): tests skip when this is empty.
     *
     * @throws IllegalStateException if {@code VIGIL_CHROMIUM} or {@code VIGIL_CHROMEDRIVER} is set but names no
     *         executable file
     */
    public static Optional<Path> executable() {
        return chromedriver().isEmpty() ? Optional.empty()
                : find("VIGIL_CHROMIUM", "/usr/bin/chromium", "/usr/bin/chromium-browser");
    }

    private static Optional<Path> chromedriver() {
        return find("VIGIL_CHROMEDRIVER", "/usr/bin/chromedriver");
    }

    private static Optional<Path> find(String variable, String... defaults) {
        String configured = System.getenv(variable);
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured.trim());
            if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
                throw new IllegalStateException(variable + "=" + configured + " is not an executable file");
            }
            return Optional.of(path);
        }
        return Stream.of(defaults).map(Path::of).filter(p -> Files.isRegularFile(p) && Files.isExecutable(p))
                .findFirst();
    }

    /** Starts headless Chromium on about:blank, giving chromedriver up to {@link #DEFAULT_TIMEOUT} to start. */
    public static Browser launch() {
        return launch(DEFAULT_TIMEOUT);
    }

    /** Starts headless Chromium on about:blank, giving chromedriver up to {@code timeout} to start. */
    public static Browser launch(Duration timeout) {
        Path exe = executable().orElseThrow(() -> new IllegalStateException(
                "no Chromium or no chromedriver found: " + INSTALL));
        return launch(exe, timeout);
    }

    /**
     * A Chromium that serves one test after another in this JVM, so a class of browser tests pays for one start:
     * {@link #close()} does not quit it but clears it, as a new profile would be: every window but the first closed,
     * cookies, caches and each visited origin's storage cleared, the page about:blank and the console empty. It quits
     * when the JVM exits, or when clearing it fails (the next call then starts a new one). One test at a time.
     */
    public static synchronized Browser reused(Duration timeout) {
        if (reused == null || reused.closed.get() || !reused.chromium.isAlive()) {
            Browser b = launch(timeout);
            b.reusable = true;
            Runtime.getRuntime().addShutdownHook(new Thread(b::quit, "browser-quit"));
            reused = b;
        }
        return reused;
    }

    /**
     * Starts {@code executable} (a Chromium) headless on about:blank through chromedriver, giving chromedriver up to
     * {@code timeout} to start (chromedriver then waits up to a minute for Chromium).
     *
     * @throws IllegalStateException if chromedriver or Chromium fails to start; the message holds the tail of their
     *         output (Chromium's stderr included)
     */
    public static Browser launch(Path executable, Duration timeout) {
        Path driverExe = chromedriver().orElseThrow(() -> new IllegalStateException("no chromedriver found: "
                + INSTALL));
        Path profile = createProfile();
        OutputTail output = new OutputTail();
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(driverExe.toFile())
                // at INFO chromedriver passes Chromium's stderr on instead of sending it to /dev/null
                .withLogLevel(ChromiumDriverLogLevel.INFO)
                .withLogOutput(output)
                .withTimeout(timeout)
                // keeps crashpad's database (and what else Chromium puts under ~/.config or ~/.cache) in the profile
                .withEnvironment(Map.of("TMPDIR", System.getProperty("java.io.tmpdir"),
                        "XDG_CONFIG_HOME", profile.resolve("xdg-config").toString(),
                        "XDG_CACHE_HOME", profile.resolve("xdg-cache").toString()))
                .build();
        ChromeOptions options = new ChromeOptions().setBinary(executable.toFile()).addArguments(FLAGS)
                .addArguments("--user-data-dir=" + profile);
        options.setUnhandledPromptBehaviour(UnexpectedAlertBehaviour.ACCEPT_AND_NOTIFY);
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        ChromeDriver driver;
        try {
            driver = new ChromeDriver(service, options);
        } catch (RuntimeException e) {
            service.stop();
            ProcessTree.stop(namingProfile(profile), Duration.ofSeconds(2));
            deleteTree(profile);
            throw new IllegalStateException(executable + " did not start through " + driverExe + ": "
                    + firstLine(e) + "\n  chromedriver's output (last lines):\n" + output.text(), e);
        }
        try {
            return new Browser(service, driver, profile);
        } catch (RuntimeException e) {
            driver.quit();
            deleteTree(profile);
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

    // ---------------------------------------------------------------- page API

    /** Navigates with {@link #DEFAULT_TIMEOUT}; see {@link #navigate(String, Duration)}. */
    public void navigate(String url) {
        navigate(url, DEFAULT_TIMEOUT);
    }

    /**
     * Loads {@code url} and waits for that document's load event (a change of fragment only needs none).
     *
     * @throws IllegalStateException if navigation fails (with Chromium's error code, e.g. net::ERR_CONNECTION_REFUSED)
     *         or the page does not load within {@code timeout}
     */
    public void navigate(String url, Duration timeout) {
        command(() -> driver.manage().timeouts().pageLoadTimeout(timeout));
        origin(url).ifPresent(origins::add);
        try {
            command(() -> {
                driver.get(url);
                return null;
            });
        } catch (TimeoutException e) {
            throw new IllegalStateException("navigate(" + url + "): no load event within " + timeout + "\n"
                    + pageState(20), e);
        } catch (WebDriverException e) {
            throw new IllegalStateException("navigate(" + url + ") failed: " + firstLine(e), e);
        }
        JsonNode error = evaluate("location.protocol === 'chrome-error:' && "
                + "((document.querySelector('.error-code') || {}).textContent || 'an error page: ' + document.title)");
        if (error.isTextual()) {
            String code = error.asText();
            throw new IllegalStateException("navigate(" + url + ") failed: " + (code.startsWith("ERR_") ? "net::" : "")
                    + code);
        }
    }

    /** The page's current URL. */
    public String url() {
        return command(driver::getCurrentUrl);
    }

    /**
     * Evaluates JavaScript in the page, as the DevTools console does, and returns its value as JSON: the value of an
     * expression, or of a script's last statement; promises are awaited (a promise that never settles blocks for
     * Selenium's HTTP read timeout, three minutes) and the evaluation counts as a user gesture. {@code undefined} comes
     * back as {@link NullNode}, numbers JSON cannot hold as text ({@code "NaN"}, {@code "Infinity"}, {@code "-0"},
     * bigints like {@code "1n"}), functions and DOM nodes as {@code {}}. A script that opens a dialog yields
     * {@link NullNode}: chromedriver stops waiting for it, and the dialog is accepted (and recorded in
     * {@link #console()}) at once.
     *
     * @throws IllegalStateException if the script throws or its promise rejects; the message holds the error's
     *         description (usually {@code "Error: message"} and its stack)
     */
    public JsonNode evaluate(String expression) {
        return valueOf(remoteObject(expression));
    }

    /** Runs Runtime.evaluate and returns the result's RemoteObject (value, unserializableValue or type only). */
    private JsonNode remoteObject(String expression) {
        JsonNode reply;
        try {
            reply = cdp("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
                    "awaitPromise", true, "userGesture", true));
        } catch (WebDriverException e) {
            throw new IllegalStateException("cannot evaluate: " + firstLine(e) + "\n  while evaluating: "
                    + abbreviate(expression, 300), e);
        }
        if (reply.isNull()) {
            command(driver::getTitle); // accepts and records the dialog that interrupted the evaluation
            return JSON.createObjectNode().put("type", "undefined");
        }
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
     * @throws IllegalStateException if Chromium exits
     */
    public JsonNode waitFor(String expression, Duration timeout) {
        ensureOpen();
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        String lastError = null;
        while (true) {
            try {
                JsonNode result = remoteObject(expression);
                last = valueOf(result);
                lastError = null;
                if (truthy(result)) {
                    return last;
                }
            } catch (IllegalStateException e) {
                if (!ProcessTree.running(chromium)) {
                    throw new IllegalStateException("waitFor(" + expression + "): Chromium exited", e);
                }
                lastError = e.getMessage();
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("waitFor timed out after " + timeout + ": " + expression
                        + "\n  last value: " + (last == null ? "(none)" : last)
                        + (lastError == null ? "" : "\n  last error: " + lastError) + "\n" + pageState(20));
            }
            sleep(min(POLL, remaining(deadline)));
        }
    }

    /**
     * Clicks the first element matching {@code cssSelector} with real mouse events, after scrolling it into view.
     *
     * @throws IllegalStateException if nothing matches, the element is not displayed (hidden or of zero size), another
     *         element covers it, or it cannot be clicked otherwise (chromedriver's reason)
     */
    public void click(String cssSelector) {
        String what = "click(" + cssSelector + ")";
        WebElement element = element(what, cssSelector);
        try {
            command(() -> {
                element.click();
                return null;
            });
        } catch (ElementClickInterceptedException e) {
            throw new IllegalStateException(what + ": another element covers it: " + firstLine(e), e);
        } catch (ElementNotInteractableException e) {
            throw new IllegalStateException(what + ": " + (command(element::isDisplayed) ? firstLine(e)
                    : "the element is not displayed (hidden or of zero size)"), e);
        } catch (WebDriverException e) {
            throw new IllegalStateException(what + " failed: " + firstLine(e), e);
        }
    }

    private WebElement element(String what, String cssSelector) {
        try {
            return command(() -> driver.findElement(By.cssSelector(cssSelector)));
        } catch (NoSuchElementException e) {
            throw new IllegalStateException(what + ": no element matches on " + url(), e);
        }
    }

    /**
     * Clicks the element to focus it, then types {@code text} into it key by key (keydown, keypress, input, keyup per
     * character). In an input or textarea the caret is first moved to the end, so the text is appended to the current
     * value.
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
        keys(text);
    }

    /**
     * Presses and releases a key on the focused element: Enter, Tab, Escape, Space, Backspace, Delete, ArrowUp, ArrowDown,
     * ArrowLeft or ArrowRight, or one printable character (a keyboard shortcut such as {@code j}).
     */
    public void press(String key) {
        if (key.length() == 1 && key.charAt(0) > ' ') { // a printable character, as typed (keyboard shortcuts)
            keys(key);
            return;
        }
        Keys k = KEYS.get(key);
        if (k == null) {
            throw new IllegalArgumentException("press(" + key + "): unknown key; known: " + KEYS.keySet());
        }
        keys(k);
    }

    private void keys(CharSequence keys) {
        command(() -> {
            new Actions(driver).sendKeys(keys).perform();
            return null;
        });
    }

    private static Map<String, Keys> keys() {
        Map<String, Keys> keys = new LinkedHashMap<>();
        keys.put("Enter", Keys.ENTER);
        keys.put("Tab", Keys.TAB);
        keys.put("Escape", Keys.ESCAPE);
        keys.put("Space", Keys.SPACE);
        keys.put("Backspace", Keys.BACK_SPACE);
        keys.put("Delete", Keys.DELETE);
        keys.put("ArrowLeft", Keys.ARROW_LEFT);
        keys.put("ArrowUp", Keys.ARROW_UP);
        keys.put("ArrowRight", Keys.ARROW_RIGHT);
        keys.put("ArrowDown", Keys.ARROW_DOWN);
        return Collections.unmodifiableMap(keys);
    }

    /** Saves a PNG of the whole page (beyond the viewport too), creating parent directories. */
    public void screenshot(Path png) {
        JsonNode shot = cdp("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
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
     * What the page logged so far, oldest first (at most the last 2000 lines), as Chromium's browser log reports it:
     * the level, then the source and the text. Console calls read {@code INFO http://host/app.js 12:8 "text" 42}
     * (strings quoted, objects by class name), uncaught errors {@code SEVERE javascript 2:49 Uncaught Error: message},
     * and Chromium's own messages (failed loads, Content-Security-Policy violations) {@code SEVERE url - text}.
     * Dialogs, which are accepted, read {@code DIALOG message}.
     */
    public List<String> console() {
        List<LogEntry> entries = command(() -> driver.manage().logs().get(LogType.BROWSER).getAll());
        entries.forEach(e -> record(e.getLevel().getName() + " " + e.getMessage()));
        return recorded();
    }

    private List<String> recorded() {
        return List.copyOf(console);
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
                throw new AssertionError("no console line containing \"" + fragment + "\" within " + timeout + "\n"
                        + pageState(20));
            }
            sleep(min(POLL, remaining(deadline)));
        }
    }

    /** Sets a cookie for {@code url} (its host and path), whatever page is open. */
    public void setCookie(String name, String value, String url) {
        JsonNode result = cdp("Network.setCookie", Map.of("name", name, "value", value, "url", url));
        if (result.has("success") && !result.get("success").asBoolean()) {
            throw new IllegalStateException("Chromium refused cookie " + name + " for " + url);
        }
    }

    /** The cookies the current page would send, by name. */
    public Map<String, String> cookies() {
        Map<String, String> cookies = new LinkedHashMap<>();
        for (Cookie c : command(() -> driver.manage().getCookies())) {
            cookies.putIfAbsent(c.getName(), c.getValue());
        }
        return cookies;
    }

    /** Chromium's process id (the browser process; renderers and helpers are its descendants). */
    public long pid() {
        return chromium.pid();
    }

    /** The temporary profile directory ({@code --user-data-dir}); {@link #close()} deletes it. */
    public Path profile() {
        return profile;
    }

    // ---------------------------------------------------------------- closing

    /**
     * Quits the session (chromedriver closes Chromium, then stops), stops what is left of Chromium's processes (TERM,
     * then KILL after a grace period) and deletes the profile. Idempotent.
     *
     * @throws IllegalStateException if a process survived or the profile could not be deleted
     */
    @Override
    public void close() {
        if (reusable && !closed.get()) {
            try {
                clear();
                return;
            } catch (RuntimeException e) {
                // a browser that cannot be cleared is not handed out again: it quits, and the next test gets another
            }
        }
        quit();
    }

    /** Quits whatever {@link #close()} would do: used at the JVM's exit for a {@link #reused} browser. */
    private void quit() {
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

    /** Clears a reused browser for the next test, as a new profile would be. */
    private void clear() {
        List<String> windows = new ArrayList<>(command(driver::getWindowHandles));
        for (String extra : windows.subList(1, windows.size())) {
            command(() -> {
                driver.switchTo().window(extra).close();
                return null;
            });
        }
        command(() -> driver.switchTo().window(windows.get(0)));
        // the tab's session storage outlives navigation, and DevTools' clearing of an origin leaves it
        evaluate("(() => { try { sessionStorage.clear(); localStorage.clear(); } catch (e) {} return true; })()");
        navigate("about:blank");
        cdp("Network.clearBrowserCookies", Map.of());
        cdp("Network.clearBrowserCache", Map.of());
        for (String origin : origins) {
            cdp("Storage.clearDataForOrigin", Map.of("origin", origin, "storageTypes", "all"));
        }
        origins.clear();
        console();
        console.clear();
    }

    /** {@code scheme://host[:port]} of an http(s) URL. */
    private static Optional<String> origin(String url) {
        try {
            java.net.URI u = java.net.URI.create(url);
            if (u.getHost() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
                return Optional.empty();
            }
            return Optional.of(u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private void shutDown() {
        Set<ProcessHandle> processes = new LinkedHashSet<>(ProcessTree.of(chromium));
        processes.addAll(namingProfile(profile));
        Optional<Path> singletonDir = singletonDir();
        try {
            driver.quit();
        } catch (WebDriverException e) {
            // Chromium may be gone already; what counts is that its processes are
        } finally {
            service.stop();
        }
        List<String> problems = new ArrayList<>();
        ProcessTree.awaitExit(List.of(chromium), Duration.ofSeconds(5));
        processes.addAll(namingProfile(profile));
        // zygotes and renderers may linger after the browser quits; nothing in them is worth waiting for
        List<ProcessHandle> survivors = ProcessTree.stop(processes, Duration.ofSeconds(2));
        if (!survivors.isEmpty()) {
            problems.add("Chromium processes survived: " + survivors.stream().map(h -> h.pid() + " "
                    + h.info().command().orElse("?")).collect(Collectors.joining(", ")));
        }
        if (service.isRunning()) {
            problems.add("chromedriver is still running at " + service.getUrl());
        }
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

    /** What names {@code profile} in its arguments: crashpad's handler, which Chromium double-forks out of its tree. */
    private static Set<ProcessHandle> namingProfile(Path profile) {
        String dir = profile.toString();
        return ProcessHandle.allProcesses().filter(h -> h.info().arguments().stream().flatMap(Arrays::stream)
                .anyMatch(arg -> arg.endsWith(dir) || arg.contains(dir + "/")))
                .collect(Collectors.toCollection(LinkedHashSet::new));
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

    // ---------------------------------------------------------------- plumbing

    /**
     * Runs a WebDriver command. A dialog that blocks it is accepted, recorded in the console and the command, which
     * chromedriver did not run, is sent again.
     */
    private <T> T command(Supplier<T> command) {
        ensureOpen();
        for (int dialogs = 0; ; dialogs++) {
            try {
                return command.get();
            } catch (UnhandledAlertException e) {
                record("DIALOG " + e.getAlertText());
                if (dialogs == 20) {
                    throw new IllegalStateException("the page keeps opening dialogs, the last: " + e.getAlertText(),
                            e);
                }
            }
        }
    }

    /** Sends a DevTools command to the page through chromedriver; a {@link NullNode} if a dialog interrupted it. */
    private JsonNode cdp(String method, Map<String, Object> params) {
        Object reply = command(() -> execute.execute(AddHasCdp.EXECUTE_CDP, Map.of("cmd", method, "params", params)));
        return reply == null ? NullNode.getInstance() : JSON.valueToTree(reply);
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the browser is closed");
        }
    }

    private void record(String line) {
        console.addLast(line);
        while (console.size() > CONSOLE_LIMIT) {
            console.removeFirst();
        }
    }

    /** The page's URL and the console's last lines, for error messages: never fails itself. */
    private String pageState(int lines) {
        String url;
        List<String> all;
        try {
            url = url();
            all = console();
        } catch (RuntimeException e) {
            url = "(unknown: " + firstLine(e) + ")";
            all = recorded();
        }
        List<String> tail = all.subList(Math.max(0, all.size() - lines), all.size());
        return "  url: " + url + "\n  console (last " + tail.size() + " of " + all.size() + " lines):"
                + tail.stream().map(l -> "\n    " + l).collect(Collectors.joining());
    }

    /**
     * The last lines chromedriver wrote, each cut to 300 characters, without its INFO entries (commands, the profile it
     * writes), which bury what counts: Chromium's stderr and chromedriver's warnings and errors.
     */
    private static final class OutputTail extends OutputStream {
        private static final int LINES = 30;
        private static final int WIDTH = 300;
        private static final Pattern ENTRY = Pattern.compile("^\\[[\\d.]+]\\[(\\w+)]:");
        private final Deque<String> lines = new ArrayDeque<>();
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private boolean inInfo;

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                add(line.toString(StandardCharsets.UTF_8));
                line.reset();
            } else if (line.size() < WIDTH) {
                line.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }

        private void add(String text) {
            Matcher entry = ENTRY.matcher(text);
            boolean continued = text.isEmpty() || Character.isWhitespace(text.charAt(0)) || text.startsWith("}");
            inInfo = entry.find() ? List.of("INFO", "DEBUG", "ALL").contains(entry.group(1)) : inInfo && continued;
            if (!inInfo && !text.isBlank()) {
                lines.addLast(text);
                if (lines.size() > LINES) {
                    lines.removeFirst();
                }
            }
        }

        synchronized String text() {
            return lines.stream().map(l -> "    " + l).collect(Collectors.joining("\n"));
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

    /** The first line of a Selenium error: chromedriver's message, without Selenium's build and session details. */
    private static String firstLine(RuntimeException e) {
        String message = e instanceof WebDriverException w ? w.getRawMessage() : e.getMessage();
        return message == null ? e.toString() : message.lines().findFirst().orElse(message);
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
