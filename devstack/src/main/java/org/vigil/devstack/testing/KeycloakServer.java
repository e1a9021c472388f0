package org.vigil.devstack.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.vigil.devstack.embedded.ChildProcesses;
import org.vigil.runtime.process.ProcessTree;

/**
 * A real Keycloak for OIDC tests, as a process: {@code kc.sh start-dev} from the cached distribution
 * ({@link KeycloakDistribution}) on a free port of 127.0.0.1 with the {@link KeycloakRealm test realm} imported. Every
 * {@link #start()} gets its own run directory under {@code java.io.tmpdir} with a fresh H2 database, transaction log and
 * temp files, so the realm is imported anew each time and runs never see each other's data. Output goes to
 * {@link #logFile()}; tokens come from {@link #tokens()}. Tests skip with
 * {@link KeycloakDistribution#unavailableReason()} when the zip or a Java 21 is missing.
 */
public final class KeycloakServer implements AutoCloseable {

    static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    static final Duration STOP_GRACE = Duration.ofSeconds(20);
    private static final int LOG_TAIL_LINES = 40;

    private final Path runDir;
    private final int port;
    private final ChildProcesses children;
    private final Process process;
    /** kc.sh's JVM, once up: stopped even if kc.sh itself is gone by then. */
    private volatile List<ProcessHandle> descendants = List.of();
    private final Thread shutdownHook = new Thread(this::close, "vigil-keycloak-stop");
    private final HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private boolean closed;

    private KeycloakServer(Path runDir, int port, ChildProcesses children, Process process) {
        this.runDir = runDir;
        this.port = port;
        this.children = children;
        this.process = process;
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts Keycloak with the {@value KeycloakRealm#REALM} realm and waits until the realm answers (at most 180 s; a first run
     * on a machine also unpacks and prepares the distribution).
     *
     * @throws IllegalStateException when the zip or a Java 21+ is missing, or Keycloak does not come up; the message
     *         holds the end of its log
     */
    public static KeycloakServer start() throws IOException {
        Path zip = KeycloakDistribution.distribution()
                .orElseThrow(() -> new IllegalStateException(KeycloakDistribution.unavailableReason()));
        Path javaHome = KeycloakDistribution.java21()
                .orElseThrow(() -> new IllegalStateException(KeycloakDistribution.unavailableReason()));
        Path home = KeycloakDistribution.installed(zip, javaHome);
        KeycloakRealm.writeRealm(home);
        Path runDir = newRunDir();
        ChildProcesses children = new ChildProcesses(runDir.resolve("children.pids"));
        KeycloakServer server;
        try {
            int port = SharedServers.freePort();
            server = new KeycloakServer(runDir, port, children, launch(children, home, javaHome, runDir, port, true));
        } catch (IOException | RuntimeException e) {
            children.close();
            SharedServers.delete(runDir);
            throw e;
        }
        try {
            awaitOk(server.http, URI.create(server.issuer() + "/.well-known/openid-configuration"), server.process,
                    server.logFile());
            server.descendants = server.process.descendants().toList();
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** {@code http://127.0.0.1:<port>/realms/vigil}; the same whatever host name a client uses. */
    public String issuer() {
        return baseUrl() + "/realms/" + KeycloakRealm.REALM;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public String tokenEndpoint() {
        return issuer() + "/protocol/openid-connect/token";
    }

    public String authorizationEndpoint() {
        return issuer() + "/protocol/openid-connect/auth";
    }

    public Path logFile() {
        return runDir.resolve("keycloak.log");
    }

    /** A client of this server's token endpoint. */
    public KeycloakTokens tokens() {
        return new KeycloakTokens(tokenEndpoint());
    }

    /** Stops Keycloak (SIGTERM, then SIGKILL for the whole process tree after 20 s) and deletes the run directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Set<ProcessHandle> tree = ProcessTree.of(process.toHandle());
            tree.addAll(descendants); // kc.sh passes a TERM on to its JVM, but may be gone by now
            ProcessTree.stop(tree, STOP_GRACE);
            children.close();
            SharedServers.delete(runDir);
        } catch (IOException e) {
            System.err.println("could not clean up Keycloak's run directory " + runDir + ": " + e);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is exiting: this is the hook
        }
    }

    // ---- launching ----

    static Process launch(ChildProcesses children, Path home, Path javaHome, Path runDir, int port,
            boolean importRealm) throws IOException {
        Files.createDirectories(runDir.resolve("tmp"));
        String dbPath = runDir.toAbsolutePath().resolve("h2").resolve("keycloakdb").toString();
        if (dbPath.contains(";")) {
            throw new IllegalArgumentException("the H2 URL cannot hold a path with ';': " + dbPath);
        }
        List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/kc.sh").toString(), "start-dev",
                "--http-host=127.0.0.1",
                "--http-port=" + port,
                "--hostname=http://127.0.0.1:" + port,
                // start-dev's dev-file database, moved out of the shared distribution into this run
                "--db-url=jdbc:h2:file:" + dbPath + ";NON_KEYWORDS=VALUE;DB_CLOSE_ON_EXIT=FALSE",
                "-Dquarkus.transaction-manager.object-store.directory=" + runDir.toAbsolutePath()
                        .resolve("transaction-logs")));
        if (importRealm) {
            cmd.add("--import-realm");
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("JAVA_HOME", javaHome.toString());
        // VIGIL_JAVA_OPTS: what the tests' other JVMs get too (JavaCommand)
        env.put("JAVA_OPTS_APPEND", (System.getenv().getOrDefault("VIGIL_JAVA_OPTS", "") + " -Djava.io.tmpdir="
                + runDir.toAbsolutePath().resolve("tmp")).trim());
        env.put("KC_BOOTSTRAP_ADMIN_USERNAME", KeycloakRealm.ADMIN_USER);
        env.put("KC_BOOTSTRAP_ADMIN_PASSWORD", KeycloakRealm.ADMIN_PASSWORD);
        // kc.sh treats these as unset when empty: whatever the caller's environment holds, use its defaults
        env.put("JAVA", "");
        env.put("JAVA_OPTS", "");
        env.put("KC_DEBUG", "false");
        return children.start("keycloak", cmd, env, runDir.resolve("keycloak.log"));
    }

    private static Path newRunDir() throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(tmp);
        return Files.createTempDirectory(tmp, "vigil-keycloak-");
    }

    /** Polls {@code url} until it answers 200; fails when the process exits or {@link #START_TIMEOUT} passes. */
    static void awaitOk(HttpClient http, URI url, Process p, Path log) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        HttpRequest req = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).build();
        while (true) {
            if (!p.isAlive()) {
                throw new IllegalStateException("Keycloak exited with code " + p.exitValue() + " before " + url
                        + " answered; end of " + log + ":\n" + tail(log));
            }
            try {
                if (http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Keycloak", e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(url + " did not answer 200 within " + START_TIMEOUT.toSeconds()
                        + " s; end of " + log + ":\n" + tail(log));
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Keycloak", e);
            }
        }
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }



}
