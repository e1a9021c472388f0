package org.vigil.devstack.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
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
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Stream;

import org.vigil.devstack.embedded.ChildProcesses;
import org.vigil.runtime.process.ProcessTree;

/**
 * Where Keycloak comes from: the {@code keycloak-quarkus-dist} zip from the local Maven repository, unpacked once per
 * machine into {@code ~/.cache/vigil/keycloak-<version>} and started once there (start-dev re-augments the
 * distribution on its first start, about 20 s; only a distribution that started is moved into place), and the Java 21
 * or later it needs.
 */
public final class KeycloakDistribution {

    public static final String VERSION = "26.7.3";
    private static final int MIN_JAVA = 21;

    private KeycloakDistribution() {
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

    /** Why {@link KeycloakServer#start()} cannot run here, or null when it can. */
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

    private static Path cacheDir() {
        return Path.of(System.getProperty("user.home"), ".cache", "vigil", "keycloak-" + VERSION);
    }

    /**
     * The unpacked, prepared distribution; unpacks and prepares it on first use. Other JVMs wait on a file lock
     * meanwhile; the work happens in a temporary sibling that is renamed into place only when complete, so a killed
     * run never leaves a half-made distribution behind.
     */
    static synchronized Path installed(Path zip, Path javaHome) throws IOException {
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
        Process p = KeycloakServer.launch(children, dist, javaHome, runDir, port, false);
        try {
            HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            Path log = runDir.resolve("keycloak.log");
            try {
                KeycloakServer.awaitOk(http, URI.create("http://127.0.0.1:" + port + "/realms/master/.well-known/openid-configuration"),
                        p, log);
            } catch (IllegalStateException e) {
                throw new IllegalStateException("preparing Keycloak " + VERSION + " in " + dist + " failed: "
                        + e.getMessage(), e);
            }
        } finally {
            ProcessTree.stop(p.toHandle(), KeycloakServer.STOP_GRACE);
            children.close();
        }
    }

    private static boolean isJava21(Path home) {
        return Files.isExecutable(home.resolve("bin/java")) && javaMajor(home).orElse(0) >= MIN_JAVA;
    }

    private static Optional<Path> newestUnder(Path jvmDir) {
        if (!Files.isDirectory(jvmDir)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(jvmDir)) {
            return s.filter(KeycloakDistribution::isJava21).map(KeycloakDistribution::realPath).distinct()
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

    static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }
}
