package org.vigil.devstack.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

import org.vigil.devstack.embedded.ChildProcesses;
import org.vigil.devstack.embedded.EmbeddedKafka;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.embedded.EmbeddedRedisServer;
import org.vigil.devstack.embedded.TopicAdmin;

/**
 * One embedded Kafka, PostgreSQL and Redis per test JVM, started on first use on free ports under
 * {@code java.io.tmpdir} (each build module's target/tmp), and removed when the JVM exits. Every Quarkus test
 * resource in this package hands out these same servers, so test classes share them instead of restarting them.
 */
public final class SharedServers {

    private static EmbeddedKafka kafka;
    private static EmbeddedPostgresServer postgres;
    private static EmbeddedRedisServer redis;
    private static ChildProcesses children;
    private static Path root;

    private SharedServers() {
    }

    public static synchronized EmbeddedKafka kafka() {
        if (kafka == null) {
            try {
                EmbeddedKafka k = new EmbeddedKafka(root().resolve("kafka"), freePort(), freePort());
                k.start();
                TopicAdmin.ensureTopics(k.bootstrapServers(), (short) 1, null, Duration.ofSeconds(60));
                kafka = k;
            } catch (Exception e) {
                throw new IllegalStateException("embedded Kafka did not start: " + e.getMessage(), e);
            }
        }
        return kafka;
    }

    public static synchronized EmbeddedPostgresServer postgres() {
        if (postgres == null) {
            try {
                EmbeddedPostgresServer pg = new EmbeddedPostgresServer(root().resolve("postgres"), freePort(),
                        root().resolve("postgres.log"));
                pg.start();
                postgres = pg;
            } catch (IOException e) {
                throw new UncheckedIOException("embedded PostgreSQL did not start: " + e.getMessage(), e);
            }
        }
        return postgres;
    }

    public static synchronized EmbeddedRedisServer redis() {
        if (redis == null) {
            try {
                EmbeddedRedisServer r = new EmbeddedRedisServer(root().resolve("redis"), freePort(),
                        root().resolve("redis.log"), children());
                r.start();
                redis = r;
            } catch (IOException e) {
                throw new UncheckedIOException("embedded Redis did not start: " + e.getMessage(), e);
            }
        }
        return redis;
    }

    private static ChildProcesses children() throws IOException {
        if (children == null) {
            children = new ChildProcesses(root().resolve("children.pids"));
        }
        return children;
    }

    private static Path root() throws IOException {
        if (root == null) {
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            Files.createDirectories(tmp);
            root = Files.createTempDirectory(tmp, "vigil-servers-");
            Runtime.getRuntime().addShutdownHook(new Thread(SharedServers::stopAll, "vigil-test-servers-stop"));
        }
        return root;
    }

    private static synchronized void stopAll() {
        try {
            if (kafka != null) {
                kafka.close();
            }
            if (redis != null) {
                redis.close();
            }
            if (postgres != null) {
                postgres.close();
            }
            if (children != null) {
                children.close();
            }
            delete(root);
        } catch (Exception e) {
            System.err.println("could not stop test servers cleanly: " + e);
        }
    }

    /** Where {@link #freePort()} looks: below Linux's ephemeral range (32768-60999), above the well-known ports. */
    static final int LOWEST_PORT = 20000;
    static final int HIGHEST_PORT = 32767;

    /**
     * A port on 127.0.0.1 free now, never one this JVM was handed before (two servers of one test configured with the
     * same port fail: "Port 38703 is configured twice"). It is drawn at random below the kernel's ephemeral range:
     * there, a port found free could be taken by some client's outgoing connection before the server given it binds
     * (it happened under the whole suite: the gateway's "Address already in use"). Test JVMs run side by side (the
     * lanes of {@code ./vigil test}), so each port handed out is also reserved for the life of this JVM by a file
     * named after it in {@code /tmp/vigil-test-ports} holding this JVM's pid: another JVM skips it (it happened too,
     * a port drawn by two lanes), and a file whose JVM is gone is taken over.
     */
    public static int freePort() throws IOException {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int tries = 0; tries < 10_000; tries++) {
            int port = random.nextInt(LOWEST_PORT, HIGHEST_PORT + 1);
            if (HANDED_OUT.contains(port) || !reserve(port)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 1);
            } catch (IOException e) {
                continue; // taken
            }
            if (HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IOException("no free port on 127.0.0.1 between " + LOWEST_PORT + " and " + HIGHEST_PORT);
    }

    private static final java.nio.file.Path RESERVED = java.nio.file.Path.of(System.getProperty("vigil.test.ports.dir",
            "/tmp/vigil-test-ports"));

    /** Reserves {@code port} across JVMs; false when a live JVM holds it. */
    private static boolean reserve(int port) throws IOException {
        java.nio.file.Files.createDirectories(RESERVED);
        java.nio.file.Path f = RESERVED.resolve(Integer.toString(port));
        String me = Long.toString(ProcessHandle.current().pid());
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                java.nio.file.Files.writeString(f, me, java.nio.file.StandardOpenOption.CREATE_NEW,
                        java.nio.file.StandardOpenOption.WRITE);
                return true;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                String owner;
                try {
                    owner = java.nio.file.Files.readString(f).trim();
                } catch (java.nio.file.NoSuchFileException gone) {
                    continue;
                }
                boolean alive = owner.matches("[0-9]+") && ProcessHandle.of(Long.parseLong(owner))
                        .map(ProcessHandle::isAlive).orElse(false);
                if (alive || owner.isEmpty()) {
                    return false; // held (an empty file: its JVM is writing it now)
                }
                java.nio.file.Files.deleteIfExists(f); // its JVM is gone
            }
        }
        return false;
    }

    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static void delete(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
