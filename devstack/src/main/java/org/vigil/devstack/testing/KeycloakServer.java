package org.vigil.devstack.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.vigil.contracts.Json;
import org.vigil.devstack.embedded.ChildProcesses;

import com.fasterxml.jackson.core.type.TypeReference;

/**
 * A real Keycloak for OIDC tests: the {@code keycloak-quarkus-dist} zip from the local Maven repository, run with
 * {@code kc.sh start-dev} on a free port of 127.0.0.1 with the {@value #REALM} realm ({@code keycloak/vigil-realm.json})
 * imported. The constants below name what that realm holds.
 * <p>
 * The zip is unpacked once per machine into {@code ~/.cache/vigil/keycloak-<version>}; that first time also runs
 * Keycloak once there, because start-dev re-augments the distribution on its first start (about 20 s), and only a
 * distribution that started is moved into place. Every {@link #start()} then gets its own run directory under
 * {@code java.io.tmpdir} with a fresh H2 database, transaction log and temp files, so the realm is imported anew
 * each time and runs never see each other's data. Output goes to {@link #logFile()}. Keycloak needs Java 21 or later
 * ({@link #java21()}); tests skip with {@link #unavailableReason()} when the zip or such a Java is missing.
 */
public final class KeycloakServer implements AutoCloseable {

    public static final String VERSION = "26.7.3";

    public static final String REALM = "vigil";
    /** Confidential; standard flow, and direct access grants for tests; any redirect URI. */
    public static final String GATEWAY_CLIENT_ID = "vigil-gateway";
    public static final String GATEWAY_CLIENT_SECRET = "gateway-test-secret";
    /** Confidential, client credentials only; its service account is a {@value #ROLE_VIEWER} of site-a. */
    public static final String INTEGRATION_CLIENT_ID = "vigil-integration";
    public static final String INTEGRATION_CLIENT_SECRET = "integration-test-secret";

    public static final String ROLE_VIEWER = "vigil-viewer";
    public static final String ROLE_OPERATOR = "vigil-operator";
    public static final String ROLE_ADMIN = "vigil-admin";

    /** {@value #ROLE_OPERATOR} of site-a. */
    public static final String OLGA = "olga";
    /** {@value #ROLE_VIEWER} of site-b. */
    public static final String VERA = "vera";
    /** {@value #ROLE_ADMIN} of every site ({@code "*"}). */
    public static final String ADAM = "adam";
    /** The password of every user in the realm; e-mails are {@code <username>@vigil.test}. */
    public static final String USER_PASSWORD = "test-password";

    /** Claim with the realm roles (string list) in access and ID tokens; only the three vigil roles appear. */
    public static final String ROLES_CLAIM = "vigil_roles";
    /** Claim with the user's sites (string list) in access and ID tokens. */
    public static final String SITES_CLAIM = "sites";
    /** Added to {@code aud} of access tokens of both clients. */
    public static final String AUDIENCE = "vigil";

    /** Administrator of the master realm, for the admin REST API. */
    public static final String ADMIN_USER = "admin";
    public static final String ADMIN_PASSWORD = "admin";

    static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    static final Duration STOP_GRACE = Duration.ofSeconds(20);
    private static final String REALM_RESOURCE = "/keycloak/vigil-realm.json";
    private static final String REALM_FILE = "vigil-realm.json";
    private static final int MIN_JAVA = 21;
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
     * Starts Keycloak with the {@value #REALM} realm and waits until the realm answers (at most 180 s; a first run
     * on a machine also unpacks and prepares the distribution).
     *
     * @throws IllegalStateException when the zip or a Java 21+ is missing, or Keycloak does not come up; the message
     *         holds the end of its log
     */
    public static KeycloakServer start() throws IOException {
        Path zip = distribution().orElseThrow(() -> new IllegalStateException(unavailableReason()));
        Path javaHome = java21().orElseThrow(() -> new IllegalStateException(unavailableReason()));
        Path home = installed(zip, javaHome);
        writeRealm(home);
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

    /** The distribution zip ({@code vigil.keycloak.zip}, {@code VIGIL_KEYCLOAK_ZIP}, or the local Maven repository). */
    public static Optional<Path> distribution() {
        String configured = firstNonBlank(System.getProperty("vigil.keycloak.zip"), System.getenv("VIGIL_KEYCLOAK_ZIP"));
        Path zip = configured != null ? Path.of(configured) : defaultZip();
        return Files.isRegularFile(zip) ? Optional.of(zip) : Optional.empty();
    }

    private static Path defaultZip() {
        String repo = firstNonBlank(System.getProperty("maven.repo.local"), null);
        Path root = repo != null ? Path.of(repo) : Path.of(System.getProperty("user.home"), ".m2", "repository");
        return root.resolve("org/keycloak/keycloak-quarkus-dist/" + VERSION + "/keycloak-quarkus-dist-" + VERSION
                + ".zip");
    }

    /**
     * A Java home of version 21 or later: {@code VIGIL_KEYCLOAK_JAVA_HOME}, else {@code JAVA_HOME}, else the running
     * JVM, else the newest under {@code /usr/lib/jvm}.
     */
    public static Optional<Path> java21() {
        String explicit = firstNonBlank(System.getenv("VIGIL_KEYCLOAK_JAVA_HOME"), null);
        if (explicit != null) {
            Path h = Path.of(explicit);
            // trusted when it says nothing about its version; refused when it says it is too old
            return Files.isExecutable(h.resolve("bin/java")) && javaMajor(h).orElse(MIN_JAVA) >= MIN_JAVA
                    ? Optional.of(h) : Optional.empty();
        }
        String javaHome = firstNonBlank(System.getenv("JAVA_HOME"), null);
        if (javaHome != null && isJava21(Path.of(javaHome))) {
            return Optional.of(Path.of(javaHome));
        }
        Path running = Path.of(System.getProperty("java.home"));
        if (Runtime.version().feature() >= MIN_JAVA && Files.isExecutable(running.resolve("bin/java"))) {
            return Optional.of(running);
        }
        return newestUnder(Path.of("/usr/lib/jvm"));
    }

    public static boolean available() {
        return distribution().isPresent() && java21().isPresent();
    }

    /** Why {@link #start()} cannot run here, or null when it can. */
    public static String unavailableReason() {
        if (distribution().isEmpty()) {
            return "no Keycloak distribution at " + firstNonBlank(System.getProperty("vigil.keycloak.zip"),
                    System.getenv("VIGIL_KEYCLOAK_ZIP"), defaultZip().toString())
                    + " (mvn dependency:get -Dartifact=org.keycloak:keycloak-quarkus-dist:" + VERSION
                    + ":zip, or set VIGIL_KEYCLOAK_ZIP)";
        }
        if (java21().isEmpty()) {
            String explicit = firstNonBlank(System.getenv("VIGIL_KEYCLOAK_JAVA_HOME"), null);
            if (explicit != null) {
                return "VIGIL_KEYCLOAK_JAVA_HOME=" + explicit + " is not a Java " + MIN_JAVA + " or later";
            }
            return "Keycloak needs Java " + MIN_JAVA + " or later: none in VIGIL_KEYCLOAK_JAVA_HOME, JAVA_HOME, "
                    + "this JVM or /usr/lib/jvm";
        }
        return null;
    }

    /** {@code http://127.0.0.1:<port>/realms/vigil}; the same whatever host name a client uses. */
    public String issuer() {
        return baseUrl() + "/realms/" + REALM;
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

    /** The token response (access_token, id_token, ...) for a user, by password grant through the gateway client. */
    public Map<String, Object> passwordGrant(String username, String password) {
        return tokenRequest(Map.of("grant_type", "password", "client_id", GATEWAY_CLIENT_ID,
                "client_secret", GATEWAY_CLIENT_SECRET, "username", username, "password", password, "scope", "openid"));
    }

    /** The token response of the integration client's client-credentials grant. */
    public Map<String, Object> clientCredentialsGrant() {
        return tokenRequest(Map.of("grant_type", "client_credentials", "client_id", INTEGRATION_CLIENT_ID,
                "client_secret", INTEGRATION_CLIENT_SECRET));
    }

    /** POSTs a form to the token endpoint; fails unless it answers 200. */
    public Map<String, Object> tokenRequest(Map<String, String> form) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(tokenEndpoint()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(formBody(form))).timeout(Duration.ofSeconds(30)).build();
        try {
            HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() != 200) {
                throw new IllegalStateException("token endpoint answered " + resp.statusCode() + ": " + resp.body());
            }
            return Json.mapper().readValue(resp.body(), new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new UncheckedIOException("token request to " + tokenEndpoint() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a token request", e);
        }
    }

    /** The payload of a JWT, not verified. */
    public static Map<String, Object> claims(String jwt) {
        String[] parts = jwt.split("\\.");
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a signed JWT: " + parts.length + " parts");
        }
        try {
            return Json.mapper().readValue(Base64.getUrlDecoder().decode(parts[1]),
                    new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException("JWT payload is not JSON", e);
        }
    }

    /** application/x-www-form-urlencoded, UTF-8. */
    public static String formBody(Map<String, String> form) {
        return form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    }

    /** Stops Keycloak (SIGTERM, then SIGKILL for the whole process tree after 20 s) and deletes the run directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stopTree(process.toHandle(), descendants, STOP_GRACE);
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

    private static Process launch(ChildProcesses children, Path home, Path javaHome, Path runDir, int port,
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
        env.put("JAVA_OPTS_APPEND", "-Djava.io.tmpdir=" + runDir.toAbsolutePath().resolve("tmp"));
        env.put("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN_USER);
        env.put("KC_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
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
    private static void awaitOk(HttpClient http, URI url, Process p, Path log) {
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

    /**
     * SIGTERM to {@code root}, its descendants and {@code known} (kc.sh would pass it on to its JVM, but may be gone),
     * then SIGKILL to whatever of them is still alive after {@code grace}. Handles know their process's start time,
     * so a reused pid is never signalled.
     */
    static void stopTree(ProcessHandle root, List<ProcessHandle> known, Duration grace) {
        List<ProcessHandle> tree = Stream.of(Stream.of(root), root.descendants(), known.stream()).flatMap(s -> s)
                .distinct().toList();
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle h : tree) {
            awaitExit(h, Math.max(0, deadline - System.nanoTime()));
        }
        for (ProcessHandle h : tree) {
            if (h.isAlive()) {
                h.destroyForcibly();
                awaitExit(h, TimeUnit.SECONDS.toNanos(10));
            }
        }
    }

    private static void awaitExit(ProcessHandle h, long nanos) {
        try {
            h.onExit().get(nanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // still alive: the caller decides
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the realm ----

    /**
     * Puts the realm file where {@code --import-realm} reads it ({@code <home>/data/import}, the one place
     * start-dev offers). Runs share it, so it is only replaced, atomically, when its content changed.
     */
    private static void writeRealm(Path home) throws IOException {
        byte[] realm;
        try (InputStream in = KeycloakServer.class.getResourceAsStream(REALM_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(REALM_RESOURCE + " is not on the classpath");
            }
            realm = in.readAllBytes();
        }
        Path dir = Files.createDirectories(home.resolve("data/import"));
        Path target = dir.resolve(REALM_FILE);
        if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), realm)) {
            return;
        }
        // not named *-realm.json, so a Keycloak starting meanwhile does not read it half-written
        Path tmp = Files.createTempFile(dir, ".vigil-realm-", ".tmp");
        Files.write(tmp, realm);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    // ---- the cached distribution ----

    private static Path cacheDir() {
        return Path.of(System.getProperty("user.home"), ".cache", "vigil", "keycloak-" + VERSION);
    }

    /**
     * The unpacked, prepared distribution; unpacks and prepares it on first use. Other JVMs wait on a file lock
     * meanwhile; the work happens in a temporary sibling that is renamed into place only when complete, so a killed
     * run never leaves a half-made distribution behind.
     */
    private static synchronized Path installed(Path zip, Path javaHome) throws IOException {
        Path home = cacheDir();
        if (Files.isDirectory(home)) {
            return home;
        }
        Path parent = Files.createDirectories(home.getParent());
        String name = home.getFileName().toString();
        try (FileChannel ch = FileChannel.open(parent.resolve(name + ".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            ch.lock(); // held until the channel closes
            if (Files.isDirectory(home)) {
                return home; // another JVM made it while this one waited
            }
            deleteLeftovers(parent, name + ".tmp-");
            Path work = Files.createTempDirectory(parent, name + ".tmp-");
            try {
                Path dist = unzip(zip, work);
                prepare(dist, javaHome, work);
                Files.move(dist, home, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                SharedServers.delete(work);
            }
        }
        return home;
    }

    private static void deleteLeftovers(Path parent, String prefix) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, prefix + "*")) {
            for (Path p : ds) {
                SharedServers.delete(p);
            }
        }
    }

    /** Unpacks the zip into {@code work}, keeping file permissions; returns its {@code keycloak-<version>} folder. */
    static Path unzip(Path zip, Path work) throws IOException {
        try (FileSystem fs = FileSystems.newFileSystem(zip, Map.of("enablePosixFileAttributes", "true"))) {
            Path root = fs.getPath("/");
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    Files.createDirectories(target(dir));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Path t = target(file);
                    Files.copy(file, t);
                    Set<PosixFilePermission> perms = EnumSet.of(PosixFilePermission.OWNER_READ,
                            PosixFilePermission.OWNER_WRITE);
                    perms.addAll(Files.getPosixFilePermissions(file));
                    Files.setPosixFilePermissions(t, perms);
                    return FileVisitResult.CONTINUE;
                }

                private Path target(Path p) throws IOException {
                    Path t = work.resolve(root.relativize(p).toString()).normalize();
                    if (!t.startsWith(work)) {
                        throw new IOException("zip entry outside the target folder: " + p);
                    }
                    return t;
                }
            });
        }
        Path dist = work.resolve("keycloak-" + VERSION);
        if (!Files.isRegularFile(dist.resolve("bin/kc.sh"))) {
            throw new IOException(zip + " does not hold keycloak-" + VERSION + "/bin/kc.sh");
        }
        Path kcSh = dist.resolve("bin/kc.sh");
        if (!Files.isExecutable(kcSh)) { // a zip made without Unix permissions
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(kcSh);
            perms.addAll(EnumSet.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE,
                    PosixFilePermission.OTHERS_EXECUTE));
            Files.setPosixFilePermissions(kcSh, perms);
        }
        return dist;
    }

    /**
     * Starts the new distribution once, without the realm, until its master realm answers: start-dev re-augments
     * the distribution for the dev profile on its first start, and rewrites its own {@code lib/quarkus} doing so;
     * later starts with the same build options skip that, so they can share the distribution.
     */
    private static void prepare(Path dist, Path javaHome, Path work) throws IOException {
        Path runDir = Files.createDirectories(work.resolve("first-start"));
        ChildProcesses children = new ChildProcesses(runDir.resolve("children.pids"));
        int port = SharedServers.freePort();
        Process p = launch(children, dist, javaHome, runDir, port, false);
        try {
            HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            Path log = runDir.resolve("keycloak.log");
            try {
                awaitOk(http, URI.create("http://127.0.0.1:" + port + "/realms/master/.well-known/openid-configuration"),
                        p, log);
            } catch (IllegalStateException e) {
                throw new IllegalStateException("preparing Keycloak " + VERSION + " in " + dist + " failed: "
                        + e.getMessage(), e);
            }
        } finally {
            stopTree(p.toHandle(), List.of(), STOP_GRACE);
            children.close();
        }
    }

    // ---- Java ----

    private static boolean isJava21(Path home) {
        return Files.isExecutable(home.resolve("bin/java")) && javaMajor(home).orElse(0) >= MIN_JAVA;
    }

    private static Optional<Path> newestUnder(Path jvmDir) {
        if (!Files.isDirectory(jvmDir)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(jvmDir)) {
            return s.filter(KeycloakServer::isJava21).map(KeycloakServer::realPath).distinct()
                    .max(Comparator.comparingInt((Path h) -> javaMajor(h).orElse(0)).thenComparing(Path::toString));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p;
        }
    }

    /** The feature version in a Java home's {@code release} file: {@code JAVA_VERSION="25.0.3"} is 25, "1.8.0" 8. */
    static OptionalInt javaMajor(Path home) {
        try {
            for (String line : Files.readAllLines(home.resolve("release"), StandardCharsets.UTF_8)) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring("JAVA_VERSION=".length()).replace("\"", "").trim();
                    String[] parts = v.split("[._+-]");
                    int first = Integer.parseInt(parts[0]);
                    return OptionalInt.of(first == 1 && parts.length > 1 ? Integer.parseInt(parts[1]) : first);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no release file, or one we cannot read
        }
        return OptionalInt.empty();
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }
}
