package org.vigil.devstack.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Stream;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;

/**
 * A streaming standby of an {@link EmbeddedPostgresServer}, for the failover test (design 0017, section 4). zonky's
 * binaries have no {@code pg_basebackup}, so the standby is made the way it does it: PostgreSQL's low-level backup
 * ({@code pg_backup_start}, a copy of the primary's cluster, {@code pg_backup_stop}'s label written into the copy),
 * with a physical replication slot so the primary keeps the WAL the standby still needs, then {@code standby.signal}
 * and {@code primary_conninfo}.
 */
public final class PostgresStandby implements AutoCloseable {

    static final String NAME = "vigil_standby";
    /** Left empty in the copy: what the server rebuilds, or what belongs to the running primary alone. */
    private static final Set<String> CONTENTS_SKIPPED = Set.of("pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify",
            "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans");
    private static final Set<String> FILES_SKIPPED = Set.of("postmaster.pid", "postmaster.opts", "epg-lock");

    private final EmbeddedPostgresServer primary;
    private final int port;
    private final EmbeddedPostgres server;

    private PostgresStandby(EmbeddedPostgresServer primary, int port, EmbeddedPostgres server) {
        this.primary = primary;
        this.port = port;
        this.server = server;
    }

    /** Copies {@code primary}'s cluster into {@code dataDir} (emptied now), starts it as a standby, waits for it to stream. */
    public static PostgresStandby start(EmbeddedPostgresServer primary, Path dataDir, int port, Path logFile)
            throws Exception {
        deleteTree(dataDir);
        try (Connection c = superuser(primary.port()); Statement s = c.createStatement()) {
            s.execute("select pg_create_physical_replication_slot('" + NAME + "', true)");
            s.execute("select pg_backup_start('" + NAME + "', true)");
            copyCluster(primary.dataDir(), dataDir);
            try (ResultSet rs = s.executeQuery("select labelfile, spcmapfile from pg_backup_stop(false)")) {
                rs.next();
                Files.writeString(dataDir.resolve("backup_label"), rs.getString(1));
                String spcmap = rs.getString(2);
                if (spcmap != null && !spcmap.isEmpty()) {
                    Files.writeString(dataDir.resolve("tablespace_map"), spcmap);
                }
            }
        }
        Files.createFile(dataDir.resolve("standby.signal"));
        Files.writeString(dataDir.resolve("postgresql.auto.conf"), "\nprimary_conninfo = 'host=127.0.0.1 port="
                + primary.port() + " user=" + EmbeddedPostgresServer.SUPERUSER + " application_name=" + NAME
                + "'\nprimary_slot_name = '" + NAME + "'\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        EmbeddedPostgres server = EmbeddedPostgresServer.builder(dataDir, port, logFile).start();
        PostgresStandby standby = new PostgresStandby(primary, port, server);
        standby.awaitStreaming(Duration.ofSeconds(60));
        return standby;
    }

    public int port() {
        return port;
    }

    /**
     * Makes the primary wait for this standby to have flushed each commit before it acknowledges it, so a promotion
     * loses no acknowledged write (the price: the primary stops committing while its only standby is away).
     */
    public void synchronous() throws SQLException {
        try (Connection c = superuser(primary.port()); Statement s = c.createStatement()) {
            s.execute("alter system set synchronous_standby_names = '" + NAME + "'");
            s.execute("select pg_reload_conf()");
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!"sync".equals(replicationState(primary.port(), "sync_state"))) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the standby did not become synchronous within 30 s");
            }
            pause();
        }
    }

    /** Promotes the standby to primary and waits until it takes writes. */
    public void promote() throws SQLException {
        try (Connection c = superuser(port); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select pg_promote(true, 60)")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                throw new IllegalStateException("the standby was not promoted within 60 s");
            }
        }
    }

    /** Whether this server is still a standby (in recovery). */
    public boolean inRecovery() throws SQLException {
        try (Connection c = superuser(port); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select pg_is_in_recovery()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private void awaitStreaming(Duration timeout) throws SQLException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!"streaming".equals(replicationState(primary.port(), "state"))) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the standby on port " + port + " did not stream from the primary "
                        + "within " + timeout.toSeconds() + " s");
            }
            pause();
        }
    }

    private static String replicationState(int primaryPort, String column) throws SQLException {
        try (Connection c = superuser(primaryPort); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select " + column + " from pg_stat_replication where application_name = '"
                        + NAME + "'")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static void copyCluster(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            walk.forEach(p -> {
                Path rel = from.relativize(p);
                if (rel.getNameCount() > 1 && CONTENTS_SKIPPED.contains(rel.getName(0).toString())
                        || rel.getNameCount() == 1 && FILES_SKIPPED.contains(rel.toString())) {
                    return;
                }
                try {
                    Path target = to.resolve(rel.toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                } catch (NoSuchFileException e) {
                    // a temporary file gone since the walk saw it: the WAL replay covers it
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        Files.createDirectories(to.resolve("pg_wal/archive_status"));
        // the server refuses a cluster others can read
        Files.setPosixFilePermissions(to, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    }

    private static Connection superuser(int port) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                EmbeddedPostgresServer.SUPERUSER, "");
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
