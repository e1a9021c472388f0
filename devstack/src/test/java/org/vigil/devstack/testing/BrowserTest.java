package org.vigil.devstack.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives Debian's Chromium (through Debian's chromedriver) against a tiny page served by the JDK's HTTP server. */
class BrowserTest {

    private static final String PAGE = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>Vigil browser test</title>
            <script src="/app.js" defer></script></head>
            <body>
              <h1>Browser test</h1>
              <input id="name" autocomplete="off">
              <button id="copy">Copy</button>
              <p id="out"></p>
              <div id="tall" style="height: 2000px"></div>
              <button id="far">Far away</button>
            </body></html>
            """;
    /** External on purpose: the page's CSP allows no inline script, like Vigil's UI. */
    private static final String SCRIPT = """
            document.getElementById('copy').addEventListener('click', () => {
              document.getElementById('out').textContent = document.getElementById('name').value;
            });
            document.getElementById('far').addEventListener('click', () => { window.farClicked = true; });
            console.log('app ready', 42);
            """;
    private static final String MISSING = "skipped: no Chromium or no chromedriver; install Debian's (apt-get install "
            + "chromium chromium-driver) or set VIGIL_CHROMIUM and VIGIL_CHROMEDRIVER";

    private static HttpServer server;
    private static String base;

    @TempDir
    Path dir;

    @BeforeAll
    static void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            byte[] body;
            if (path.equals("/")) {
                body = PAGE.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            } else if (path.equals("/app.js")) {
                body = SCRIPT.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/javascript; charset=utf-8");
            } else {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            exchange.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    @AfterAll
    static void stopServing() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** The class's shared Chromium (one start for the class: each test gets it back cleared). */
    private static Browser launch() {
        assumeTrue(Browser.executable().isPresent(), MISSING);
        return Browser.reused(Browser.DEFAULT_TIMEOUT);
    }

    @Test
    void typesClicksAndPressesKeysOnARealPage() {
        try (Browser browser = launch()) {
            browser.navigate(base);
            assertThat(browser.url()).isEqualTo(base);
            assertThat(browser.evaluate("document.title").asText()).isEqualTo("Vigil browser test");

            browser.type("#name", "hello vigil");
            browser.click("#copy");
            assertThat(browser.waitFor("document.getElementById('out').textContent === 'hello vigil'",
                    Duration.ofSeconds(10)).asBoolean()).isTrue();

            browser.type("#name", " again");
            browser.press("Tab");
            browser.waitFor("document.activeElement.id === 'copy'", Duration.ofSeconds(5));
            browser.press("Enter");
            browser.waitFor("document.getElementById('out').textContent === 'hello vigil again'",
                    Duration.ofSeconds(10));

            browser.click("#far"); // below the fold: scrolled into view first
            browser.waitFor("window.farClicked", Duration.ofSeconds(5));

            String ready = browser.waitForConsole("app ready", Duration.ofSeconds(10));
            assertThat(ready).startsWith("INFO " + base + "app.js ").endsWith(" \"app ready\" 42");
            assertThat(browser.console()).contains(ready);
        }
    }

    @Test
    void evaluatesValuesAndReportsJavaScriptErrors() {
        try (Browser browser = launch()) {
            browser.navigate(base);
            assertThat(browser.evaluate("1 + 2").asInt()).isEqualTo(3);
            assertThat(browser.evaluate("Promise.resolve({a: [1, 'x']})").toString()).isEqualTo("{\"a\":[1,\"x\"]}");
            assertThat(browser.evaluate("undefined").isNull()).isTrue();

            assertThatThrownBy(() -> browser.evaluate("(() => { throw new Error('boom from the test'); })()"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("Error: boom from the test");
            assertThatThrownBy(() -> browser.evaluate("Promise.reject(new TypeError('async boom'))"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("TypeError: async boom");

            // a script, not just an expression: its last statement's value, as in the DevTools console
            assertThat(browser.evaluate("Math.max(1, 2); 40 + 2").asInt()).isEqualTo(42);

            browser.evaluate("setTimeout(() => { throw new Error('uncaught later'); }, 0)");
            assertThat(browser.waitForConsole("uncaught later", Duration.ofSeconds(10)))
                    .startsWith("SEVERE ").contains("Uncaught Error: uncaught later");

            // a reply over Jackson's default 20 MB string limit
            assertThat(browser.evaluate("'x'.repeat(21_000_000)").asText().length()).isEqualTo(21_000_000);

            // dialogs are accepted (a confirm says yes) and recorded
            browser.evaluate("document.getElementById('copy').onclick = () => { window.answer = confirm('sure?'); }");
            browser.click("#copy");
            assertThat(browser.waitFor("window.answer", Duration.ofSeconds(5)).asBoolean()).isTrue();
            assertThat(browser.evaluate("alert('hello'); 'after the alert'").isNull()).isTrue();
            assertThat(browser.console()).contains("DIALOG sure?", "DIALOG hello");

            browser.navigate(base + "#section"); // same document: no load event to wait for
            browser.waitFor("location.hash === '#section'", Duration.ofSeconds(5));

            browser.setCookie("probe", "v1", base);
            assertThat(browser.cookies()).containsEntry("probe", "v1");
        }
    }

    @Test
    void failsClearly() {
        try (Browser browser = launch()) {
            browser.navigate(base);
            browser.waitForConsole("app ready", Duration.ofSeconds(10));
            assertThatThrownBy(() -> browser.waitFor("window.neverSet === 1", Duration.ofMillis(500)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("window.neverSet === 1")
                    .hasMessageContaining("last value: false")
                    .hasMessageContaining(base)
                    .hasMessageContaining("app.js").hasMessageContaining("\"app ready\" 42");
            assertThatThrownBy(() -> browser.click("#missing"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("no element matches");
            browser.evaluate("document.getElementById('copy').style.display = 'none'");
            assertThatThrownBy(() -> browser.click("#copy"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("not displayed");
            assertThatThrownBy(() -> browser.navigate("http://127.0.0.1:1/"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("net::ERR_");
            assertThatThrownBy(() -> browser.press("F13"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Enter");
        }
    }

    @Test
    void takesAFullPageScreenshot() throws IOException {
        try (Browser browser = launch()) {
            browser.navigate(base);
            Path png = dir.resolve("shots/page.png");
            browser.screenshot(png);
            byte[] bytes = Files.readAllBytes(png);
            assertThat(Arrays.copyOf(bytes, 8)).containsExactly(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
            assertThat(bytes.length).isGreaterThan(1024);
        }
    }

    @Test
    void closeStopsChromedriverAndChromiumsWholeProcessTreeAndDeletesTheProfile() {
        // a reused browser (another test's) keeps its chromedriver: only this browser's is watched
        assumeTrue(Browser.executable().isPresent(), MISSING);
        Set<ProcessHandle> otherDrivers = ProcessHandle.current().children().collect(Collectors.toSet());
        Browser browser = Browser.launch();
        ProcessHandle main = ProcessHandle.of(browser.pid()).orElseThrow();
        Path profile = browser.profile();
        List<ProcessHandle> children;
        List<ProcessHandle> drivers;
        try {
            browser.navigate(base);
            assertThat(main.info().arguments().stream().flatMap(Arrays::stream))
                    .as("the pid is Chromium's browser process").contains("--user-data-dir=" + profile);
            children = main.descendants().toList();
            assertThat(children).as("Chromium's renderer and helpers").isNotEmpty();
            drivers = ProcessHandle.current().children().filter(p -> p.info().command().orElse("")
                    .endsWith("chromedriver")).filter(p -> !otherDrivers.contains(p)).toList();
            assertThat(drivers).as("chromedriver, started by this JVM").isNotEmpty();
            assertThat(profile).isDirectory();
        } finally {
            browser.close();
        }
        browser.close(); // idempotent

        assertThat(running(main)).isFalse();
        assertThat(children).noneMatch(BrowserTest::running);
        assertThat(drivers).noneMatch(BrowserTest::running);
        assertThat(ProcessHandle.allProcesses().filter(BrowserTest::running)
                .filter(p -> p.info().arguments().stream().flatMap(Arrays::stream)
                        .anyMatch(arg -> arg.contains(profile.toString())))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")))
                .as("processes naming the profile, like crashpad's handler outside the tree").isEmpty();
        assertThat(profile).doesNotExist();
        assertThatThrownBy(() -> browser.evaluate("1")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void aReusedBrowserComesBackClearedAsANewProfileWouldBe() {
        assumeTrue(Browser.executable().isPresent(), MISSING);
        Browser first = Browser.reused(Browser.DEFAULT_TIMEOUT);
        long pid;
        try (Browser b = first) {
            pid = b.pid();
            b.navigate(base);
            b.evaluate("document.cookie = 'session=abc; path=/'; localStorage.setItem('site', 'north'); "
                    + "sessionStorage.setItem('tab', '1'); window.open('" + base + "'); true");
            assertThat(b.cookies()).containsEntry("session", "abc");
        }
        try (Browser b = Browser.reused(Browser.DEFAULT_TIMEOUT)) {
            assertThat(b).isSameAs(first);
            assertThat(b.pid()).as("the same Chromium, not a new start").isEqualTo(pid);
            assertThat(b.url()).isEqualTo("about:blank");
            b.navigate(base);
            assertThat(b.cookies()).isEmpty();
            assertThat(b.evaluate("localStorage.getItem('site') === null && sessionStorage.getItem('tab') === null")
                    .asBoolean()).as("the origin's storage cleared").isTrue();
            assertThat(b.evaluate("1 + 1").asInt()).isEqualTo(2);
        }
    }

    /** Alive and not a zombie: pid 1 reaps orphaned helpers when it gets to it. */
    private static boolean running(ProcessHandle p) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
            return p.isAlive() && stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return p.isAlive();
        }
    }

    @Test
    void aBrowserThatDiesAtStartupIsReportedWithItsStderr() throws IOException {
        assumeTrue(Browser.executable().isPresent(), MISSING);
        Path fake = dir.resolve("fake-chromium");
        Files.writeString(fake, "#!/bin/sh\necho 'cannot open display: nothing here' >&2\nexit 3\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        List<Path> profilesBefore = profiles();

        assertThatThrownBy(() -> Browser.launch(fake, Duration.ofSeconds(10)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(fake + " did not start")
                .hasMessageContaining("cannot open display: nothing here");
        assertThat(profiles()).as("the failed launch's profile is deleted").isEqualTo(profilesBefore);
    }

    private static List<Path> profiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(p -> p.getFileName().toString().startsWith("vigil-chromium-")).sorted().toList();
        }
    }
}
