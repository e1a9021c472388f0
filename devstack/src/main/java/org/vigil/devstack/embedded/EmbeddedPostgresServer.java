package org.vigil.devstack.embedded;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL 17 server from zonky's binaries, with its cluster kept in {@code dataDir} across runs. On start
 * it creates the database and runs the operators' role script ({@code deploy/postgres/roles.sql}): each service's
 * own role, owning its own schema.
 *
 * <p>Authentication is {@code trust} on 127.0.0.1, as zonky's initdb sets it up: this server is for one
 * developer's machine. Production points DATABASE_URL at a managed PostgreSQL.
 */
public final class EmbeddedPostgresServer implements AutoCloseable, Restartable {

    public static final String DATABASE = "vigil";
    /** The database's owner: an administrator's role, which no service logs in as. */
    public static final String USER = "vigil";
    /** The server's superuser, for tests' fixtures that write into several services' schemas. */
    public static final String SUPERUSER = "postgres";
    private static final String ROLES = "/org/vigil/devstack/postgres/roles.sql";

    private final Path dataDir;
    private final int port;
    private final Path logFile;
    private EmbeddedPostgres postgres;

    public EmbeddedPostgresServer(Path dataDir, int port, Path logFile) {
        this.dataDir = dataDir;
        this.port = port;
        this.logFile = logFile;
    }

    public int port() {
        return port;
    }

    /** The reactive-client form; services prefix {@code jdbc:} for Flyway. */
    public String url() {
        return "postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    public String jdbcUrl() {
        return "jdbc:" + url();
    }

    /**
     * A new database on this server, owned by {@value #USER}, with the services' empty schemas (the role script run
     * in it), named {@code <prefix>_<random>}: for a test
     * that must not share the database other tests (or a service under test in the same JVM) use. Returns its
     * reactive-client URL; prefix it with {@code jdbc:} for JDBC.
     */
    public String freshDatabase(String prefix) throws SQLException {
        if (!prefix.matches("[a-z][a-z0-9_]{0,30}")) {
            throw new IllegalArgumentException("not a plain database name prefix: " + prefix);
        }
        String name = prefix + "_" + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                SUPERUSER, ""); Statement s = c.createStatement()) {
            s.execute("create database " + name + " owner " + USER);
        }
        runRoleScript(name);
        return "postgresql://127.0.0.1:" + port + "/" + name;
    }

    public synchronized void start() throws IOException {
        Files.createDirectories(dataDir);
        stopLeftover(dataDir);
        postgres = builder(dataDir, port, logFile)
                .start();
        try {
            ensureRoleAndDatabase();
        } catch (SQLException e) {
            throw new IOException("cannot create the vigil database and its roles: " + e.getMessage(), e);
        }
    }

    /**
     * zonky's builder with Vigil's settings: the cluster in {@code dataDir} (made by initdb only when it has none),
     * TCP on loopback only, durable writes, the server's output appended to {@code logFile}.
     */
    public static EmbeddedPostgres.Builder builder(Path dataDir, int port, Path logFile) {
        return EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setPort(port)
                .setServerConfig("listen_addresses", "127.0.0.1")
                // No Unix socket in the shared /tmp: TCP on loopback only.
                .setServerConfig("unix_socket_directories", "")
                .setServerConfig("max_connections", "200")
                // zonky tunes for throwaway test databases; Vigil's data must survive a power cut
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setOutputRedirector(Redirect.appendTo(logFile.toFile()))
                .setErrorRedirector(Redirect.appendTo(logFile.toFile()))
                .setPGStartupWait(Duration.ofSeconds(60))
                // the first bundle on the class path: with the launcher's jar on it, the bundle can be there twice
                // (its manifest Class-Path and the Maven dependency), which zonky's own resolver refuses
                .setPgBinaryResolver((system, hardware) -> EmbeddedPostgresServer.class.getResourceAsStream(
                        "/postgres-" + system.toLowerCase(java.util.Locale.ROOT) + "-" + hardware + ".txz"));
    }

    /** Where this server's cluster lives. */
    public Path dataDir() {
        return dataDir;
    }

    /**
     * A launcher killed with SIGKILL leaves its postmaster running (pg_ctl detaches it). Stops it, or the new one
     * could not take the data directory or the port.
     *
     * @return the pid stopped, or empty when nothing was running on {@code dataDir}
     */
    public static Optional<Long> stopLeftover(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(pidFile);
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).trim());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().info().command().orElse("").endsWith("postgres")) {
            return Optional.empty();
        }
        handle.get().destroy();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (handle.get().isAlive() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while stopping a leftover PostgreSQL", e);
            }
        }
        if (handle.get().isAlive()) {
            throw new IOException("a PostgreSQL left from an earlier run (pid " + pid + ") did not stop; stop it with kill "
                    + pid);
        }
        return Optional.of(pid);
    }

    @Override
    public String name() {
        return "postgres";
    }

    /** The postmaster, from its pid file. */
    @Override
    public Optional<ProcessHandle> process() {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
            return lines.isEmpty() ? Optional.empty()
                    : ProcessHandle.of(Long.parseLong(lines.get(0).trim())).filter(ProcessHandle::isAlive);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** After the postmaster died: lets go of the old server (its lock on the data directory) and starts anew. */
    @Override
    public synchronized void restart() throws IOException {
        try {
            close();
        } catch (IOException | RuntimeException e) {
            postgres = null; // pg_ctl stop of a dead server fails; the lock is released all the same
        }
        start();
    }

    @Override
    public boolean ready() {
        try (Connection c = DriverManager.getConnection(jdbcUrl(), USER, "")) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    private void ensureRoleAndDatabase() throws SQLException {
        String admin = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
        try (Connection c = DriverManager.getConnection(admin, SUPERUSER, "");
                Statement s = c.createStatement()) {
            if (!exists(s, "select 1 from pg_roles where rolname = '" + USER + "'")) {
                s.execute("create role " + USER + " login");
            }
            if (!exists(s, "select 1 from pg_database where datname = '" + DATABASE + "'")) {
                s.execute("create database " + DATABASE + " owner " + USER);
            }
        }
        runRoleScript(DATABASE);
    }

    /** Runs the role script in {@code database} as the superuser (idempotent: on every start, so upgrades apply). */
    private void runRoleScript(String database) throws SQLException {
        String script;
        try (var in = EmbeddedPostgresServer.class.getResourceAsStream(ROLES)) {
            if (in == null) {
                throw new SQLException("the role script " + ROLES + " is missing from the class path");
            }
            script = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SQLException("cannot read the role script " + ROLES + ": " + e.getMessage(), e);
        }
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database,
                SUPERUSER, ""); Statement s = c.createStatement()) {
            s.execute(script);
        }
    }

    private static boolean exists(Statement s, String query) throws SQLException {
        try (ResultSet rs = s.executeQuery(query)) {
            return rs.next();
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
    }
}
