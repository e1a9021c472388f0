package org.vigil.retention.bench;

import java.io.IOException;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgPool;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import org.flywaydb.core.Flyway;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.testing.ServiceSchemas;
import org.vigil.retention.config.RetentionConfig;
import org.vigil.retention.messaging.StorageSettingsReader;
import org.vigil.retention.repository.PruneRepository;
import org.vigil.retention.service.OrphanFiles;
import org.vigil.retention.service.Policy;
import org.vigil.retention.service.PruneReport;
import org.vigil.retention.service.Pruner;
import org.vigil.retention.service.RecordingDeleter;
import org.vigil.retention.service.StorageRoots;
import org.vigil.runtime.audit.AuditPublisher;

/**
 * Pruning 10,000 segment files (their index rows through event-service's function, then the files), with ingest
 * going on, in an event store of 1,000,000 motion events. The event store is the event service's real schema (day
 * partitions) on a real PostgreSQL 17 (fsync on); the segments and events are 20 days past RETENTION_DAYS, on 50
 * cameras, and one hold keeps an hour of one camera. The pruner is the service's own {@link Pruner}. (The events'
 * days are event-service's own retention since issue 19, design 0016, and not pruned here: its
 * {@code EventRetentionTest} shows inserts never wait for a day's detach.) Ingest is what the event and recorder services do to the database: single-row inserts of motion
 * events (and a segment row every 60th), each its own committed transaction, at a fixed rate. Its p99 latency while
 * pruning is compared with its p99 in the same run without pruning (10 s before and 10 s after). A prune lasts a few
 * seconds, so its p99 rests on a few dozen inserts: the whole trial (seed, before, prune, after) runs three times and
 * the inserts of all trials are pooled, each trial's own ratio printed too.
 *
 * <p>Two layouts are measured: everything on one volume, and the database files and recordings on tmpfs (standing in
 * for volumes of their own) with the WAL on the disk. In each, as the file system's floor, the same number of bytes
 * the prune freed is unlinked with no database work over the same time, ingest going on.
 *
 * <p>Usage: {@code bench/run retention-prune [events] [files] [insertsPerSecond] [trials] [--no-pin]}; goals: the rows in
 * under 10 s, ingest p99 while pruning within +20% of its p99 without (with separate volumes).
 */
public final class PruneBench {

    private static final int DAYS = 20;
    private static final int OLDEST_DAYS_AGO = 60;
    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    /**
     * Where things live: PostgreSQL's data directory, its WAL (null: inside the data directory), the recordings, and
     * where the file-system floor writes and unlinks its files.
     */
    record Layout(String name, Path pgData, Path wal, Path recordings, Path floor) {
    }

    /** What one layout measured. */
    record Result(double rows, double ratio, boolean complete) {
    }

    public static void main(String[] argv) throws Exception {
        boolean pin = !Arrays.asList(argv).contains("--no-pin") && Runtime.getRuntime().availableProcessors() >= 2;
        String[] args = Arrays.stream(argv).filter(a -> !a.startsWith("--")).toArray(String[]::new);
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int files = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int rate = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        int trials = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        Path home = Path.of("target", "bench-prune").toAbsolutePath();
        deleteTree(home);
        Files.createDirectories(home);
        List<Layout> layouts = new ArrayList<>();
        if (!Arrays.asList(argv).contains("--separate-only")) {
            layouts.add(new Layout("one volume: database, WAL and recordings on this disk", home.resolve("pg"), null,
                    home.resolve("recordings"), home.resolve("floor")));
        }
        Path shm = Path.of("/dev/shm");
        Path other = shm.resolve("vigil-bench-prune-" + ProcessHandle.current().pid());
        boolean separate = Files.isDirectory(shm) && Files.isWritable(shm);
        if (separate) {
            layouts.add(new Layout("separate volumes: WAL on this disk; database files and recordings on tmpfs, "
                    + "standing in for their own volumes", other.resolve("pg"), home.resolve("pg_wal-separate"),
                    other.resolve("recordings"), other.resolve("floor")));
        }
        List<Result> results = new ArrayList<>();
        try {
            for (Layout layout : layouts) {
                System.out.println("== " + layout.name());
                results.add(measure(layout, home, events, files, rate, pin, trials));
            }
        } finally {
            deleteTree(other);
        }
        boolean ok = results.stream().allMatch(r -> r.rows() < 10 && r.complete())
                && results.get(results.size() - 1).ratio() <= 1.2;
        System.out.println(separate ? "goal: rows < 10 s in both layouts; ingest p99 ratio <= 1.2 with separate volumes"
                : "goal: rows < 10 s; ingest p99 ratio <= 1.2 (no tmpfs here: only the one-volume layout was measured)");
        System.exit(ok ? 0 : 1);
    }

    private static Result measure(Layout layout, Path home, int events, int files, int rate, boolean pin,
            int trials) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Result result;
        try (EmbeddedPostgresServer pg = new EmbeddedPostgresServer(layout.pgData(), port,
                home.resolve("pg-" + port + ".log"))) {
            pg.start();
            if (layout.wal() != null) {
                pg.close();
                moveWal(layout.pgData().resolve("pg_wal"), layout.wal());
                pg.start();
            }
            ServiceSchemas.events(pg.jdbcUrl());
            Flyway.configure().dataSource(pg.jdbcUrl(), "vigil_retention", "").schemas("retention")
                    .defaultSchema("retention").locations("classpath:db/retention").load().migrate();
            Path recordings = Files.createDirectories(layout.recordings());
            Vertx vertx = Vertx.vertx();
            PgPool pool = PgPool.pool(vertx, PgConnectOptions.fromUri(pg.url()).setUser("vigil_retention"),
                    new PoolOptions().setMaxSize(2));
            RetentionConfig config = config(recordings);
            PruneRepository prunes = new PruneRepository(pool);
            // audit entries wait in the outbox: there is no Kafka here, and they are not what is measured
            Properties noKafka = new Properties();
            noKafka.put("bootstrap.servers", "127.0.0.1:1");
            AuditPublisher audit = AuditPublisher.start("retention-service", pool, "retention.audit_outbox", noKafka,
                    java.time.InstantSource.system(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
            Policy policy = new Policy(config, Policy.Registry.NONE);
            Pruner pruner = new Pruner(prunes, new RecordingDeleter(prunes, policy),
                    new OrphanFiles(new StorageRoots(config, new StorageSettingsReader("127.0.0.1:1")), prunes), policy,
                    audit, new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                    java.time.InstantSource.system());
            // a service has pruned before: its classes are loaded and its queries planned (not what is measured)
            seed(pg.jdbcUrl(), DAYS * 100, DAYS * 10, recordings);
            pruner.run("bench", "warm-up");

            List<double[]> base = new ArrayList<>();
            List<double[]> during = new ArrayList<>();
            List<double[]> unlink = new ArrayList<>();
            double rowsMax = 0;
            boolean complete = true;
            for (int trial = 1; trial <= trials; trial++) {
                long t = System.nanoTime();
                seed(pg.jdbcUrl(), events, files, recordings);
                System.out.printf("trial %d/%d: seeded %,d events and %,d segment files over %d days in %.1f s%n",
                        trial, trials, events, files, DAYS, (System.nanoTime() - t) / 1e9);
                try (Ingest ingest = new Ingest(pg.jdbcUrl(), rate)) {
                    if (pin) {
                        pinIngestApart(layout.pgData(), ingest);
                    }
                    ingest.phase(Phase.WARM_UP);
                    Thread.sleep(3000);
                    ingest.phase(Phase.BEFORE);
                    Thread.sleep(10_000);
                    long freed = databaseBytes(pg.jdbcUrl()) + files * 16L * 1024;
                    ingest.phase(Phase.PRUNING);
                    long pruneStart = System.nanoTime();
                    PruneReport.Report r = pruner.run("bench", "bench");
                    long pruneNanos = System.nanoTime() - pruneStart;
                    if (System.getProperty("bench.slow") != null) {
                        synchronized (ingest.samples) {
                            ingest.samples.stream().filter(x -> x[0] == Phase.PRUNING.ordinal() && x[1] > 1_000_000)
                                    .forEach(x -> System.out.printf("slow insert at +%d ms: %.2f ms%n",
                                            (x[2] - pruneStart) / 1_000_000, x[1] / 1e6));
                        }
                    }
                    ingest.phase(Phase.AFTER);
                    Thread.sleep(10_000);
                    // the file system's share: deleting as many bytes as the prune freed, with plain unlinks over the
                    // same time, on the same volume, while ingest goes on
                    ingest.phase(Phase.SETUP);
                    List<Path> big = fill(layout.floor(), freed);
                    Thread.sleep(2000);
                    ingest.phase(Phase.UNLINK_ONLY);
                    long each = pruneNanos / big.size();
                    for (Path f : big) {
                        long u0 = System.nanoTime();
                        Files.delete(f);
                        LockSupport.parkNanos(Math.max(0, each - (System.nanoTime() - u0)));
                    }
                    ingest.phase(Phase.DONE);

                    System.out.printf("pruned %,d segments (rows and files, %,d bytes) in %.2f s; whole run %.2f s%n",
                            r.byAge().segments(), r.byAge().bytes(), r.recordingsMillis() / 1e3, r.millis() / 1e3);
                    double rows = r.recordingsMillis() / 1e3;
                    System.out.printf("rows (segments by key with their files): %.2f s (goal < 10 s)%n", rows);
                    rowsMax = Math.max(rowsMax, rows);
                    complete &= r.byAge().segments() >= files - files / 100 && r.errors().isEmpty();
                    double[] b0 = ingest.latencies(Phase.BEFORE, Phase.AFTER);
                    double[] d0 = ingest.latencies(Phase.PRUNING);
                    double[] u0 = ingest.latencies(Phase.UNLINK_ONLY);
                    System.out.printf("trial %d: ingest p99 %.2f ms without pruning, %.2f ms while pruning (%d inserts),"
                            + " %.2f ms while only unlinking: ratio %.2f%n", trial, percentile(b0, 0.99),
                            percentile(d0, 0.99), d0.length, percentile(u0, 0.99),
                            percentile(d0, 0.99) / percentile(b0, 0.99));
                    base.add(b0);
                    during.add(d0);
                    unlink.add(u0);
                }
            }
            double[] b = concat(base);
            double[] d = concat(during);
            double[] u = concat(unlink);
            double p99Base = percentile(b, 0.99);
            double p99During = percentile(d, 0.99);
            System.out.printf("all %d trials: ingest at %d inserts/s: p50 %.2f ms, p99 %.2f ms without pruning (%d "
                    + "inserts); p50 %.2f ms, p99 %.2f ms while pruning (%d inserts)%n", trials, rate,
                    percentile(b, 0.5), p99Base, b.length, percentile(d, 0.5), p99During, d.length);
            double ratio = p99During / p99Base;
            System.out.printf("ratio (ingest p99 while pruning / without): %.2f (goal <= 1.2 with separate volumes)%n",
                    ratio);
            System.out.printf("file-system floor: unlinking as many bytes as each prune freed, over the same time, with "
                    + "no database work: ingest p99 %.2f ms (%d inserts), ratio %.2f%n", percentile(u, 0.99),
                    u.length, percentile(u, 0.99) / p99Base);
            System.out.printf("rows: slowest trial %.2f s (goal < 10 s)%n", rowsMax);
            result = new Result(rowsMax, ratio, complete);
            pool.close().await().indefinitely();
            vertx.close().await().indefinitely();
        }
        return result;
    }

    private static double[] concat(List<double[]> parts) {
        return parts.stream().flatMapToDouble(Arrays::stream).toArray();
    }

    /** Moves PostgreSQL's WAL directory to {@code target} (another file system) and leaves a symbolic link. */
    private static void moveWal(Path wal, Path target) throws IOException {
        deleteTree(target);
        try (var walk = Files.walk(wal)) {
            for (Path p : walk.toList()) {
                Path to = target.resolve(wal.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        deleteTree(wal);
        Files.createSymbolicLink(wal, target);
    }

    /** Events and segments on {@code DAYS} days ending 40 days ago; a hold on one hour of cam7 on one day. */
    private static void seed(String jdbc, int events, int files, Path recordings) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbc, EmbeddedPostgresServer.SUPERUSER, "")) {
            // what an earlier trial's hold kept would collide with this trial's rows of the same names
            c.createStatement().execute("truncate events.segments, events.motion_events");
            for (String table : List.of("motion_events", "segments")) {
                c.createStatement().execute("select events.ensure_partitions('" + table + "', " + (OLDEST_DAYS_AGO + 1)
                        + ", 1)");
            }
            int perDay = events / DAYS;
            try (PreparedStatement p = c.prepareStatement("""
                    insert into events.motion_events (event_id, camera_id, site, started_at, last_at, ended_at, score)
                    select gen_random_uuid(), 'cam' || (i % 50), 'hq', t, t + interval '8 s', t + interval '10 s', 0.5
                    from generate_series(0, ? - 1) i,
                         lateral (select (current_date - ?)::timestamptz + i * (interval '86400 s' / ?) as t) x""")) {
                for (int d = 0; d < DAYS; d++) {
                    p.setInt(1, perDay);
                    p.setInt(2, OLDEST_DAYS_AGO - d);
                    p.setInt(3, perDay);
                    p.executeUpdate();
                }
            }
            Instant first = java.time.LocalDate.now(ZoneOffset.UTC).minusDays(OLDEST_DAYS_AGO)
                    .atStartOfDay(ZoneOffset.UTC).toInstant();
            byte[] body = new byte[16 * 1024];
            long spacing = Duration.ofDays(DAYS).toMillis() / files;
            c.setAutoCommit(false);
            try (PreparedStatement p = c.prepareStatement(
                    "insert into events.segments values (?, ?, 'hq', ?, ?, ?, ?, 900, ?, 'x', 'h264', 640, 360)")) {
                for (int i = 0; i < files; i++) {
                    String cam = "cam" + (i % 50);
                    Instant start = first.plusMillis(i * spacing);
                    String rel = cam + "/recording_" + cam + "_" + NAME.format(start) + ".avi";
                    Path f = recordings.resolve(rel);
                    Files.createDirectories(f.getParent());
                    Files.write(f, body);
                    p.setString(1, cam + "-" + i);
                    p.setString(2, cam);
                    p.setString(3, recordings.toString());
                    p.setString(4, rel);
                    p.setObject(5, OffsetDateTime.ofInstant(start, ZoneOffset.UTC));
                    p.setObject(6, OffsetDateTime.ofInstant(start.plusSeconds(60), ZoneOffset.UTC));
                    p.setLong(7, body.length);
                    p.addBatch();
                }
                p.executeBatch();
            }
            // one hour of cam7, ten days in: its events and segments stay
            c.createStatement().execute("delete from retention.holds");
            Instant held = first.plus(Duration.ofDays(10)).plus(Duration.ofHours(10));
            try (PreparedStatement p = c.prepareStatement("""
                    insert into retention.holds (id, kind, cameras, sites, from_ts, to_ts, case_id, reason, placed_by)
                    values (?, 'range', '{cam7}', '{hq}', ?, ?, 'BENCH-1', 'benchmark hold', 'bench')""")) {
                p.setObject(1, UUID.randomUUID());
                p.setObject(2, OffsetDateTime.ofInstant(held, ZoneOffset.UTC));
                p.setObject(3, OffsetDateTime.ofInstant(held.plus(Duration.ofHours(1)), ZoneOffset.UTC));
                p.executeUpdate();
            }
            c.commit();
            c.setAutoCommit(true);
            c.createStatement().execute("vacuum analyze");
        }
        // write the seed's dirty pages out now, so no checkpoint of the seed lands in a measured window
        try (Connection su = DriverManager.getConnection(jdbc, "postgres", "")) {
            su.createStatement().execute("checkpoint");
        }
    }

    private static RetentionConfig config(Path recordings) {
        return new RetentionConfig() {
            public int days() {
                return 30;
            }

            public Optional<String> siteDays() {
                return Optional.empty();
            }

            public Optional<String> cameraDays() {
                return Optional.empty();
            }

            public Optional<String> cameraQuota() {
                return Optional.empty();
            }

            public Optional<String> siteQuota() {
                return Optional.empty();
            }

            public double minHeadroomHours() {
                return 24;
            }

            public MemorySize minFree() {
                return new MemorySize(BigInteger.valueOf(1L << 30));
            }

            public Path recordingsDir() {
                return recordings;
            }

            public Optional<Path> playbackCacheDir() {
                return Optional.empty();
            }

            public Duration interval() {
                return Duration.ZERO;
            }

            public Duration diskCheck() {
                return Duration.ZERO;
            }
        };
    }

    /**
     * Gives ingest (its thread and its PostgreSQL backend) CPU 0 and everything else (this JVM's other threads, every
     * other PostgreSQL process, and backends started later) CPU 1. On this two-core machine the pruner would otherwise
     * compete with ingest for the only two cores, which doubles ingest latency whatever the pruner does; a server has
     * cores to spare. Pinned, the ratio shows what pruning does to ingest through locks and I/O.
     */
    private static void pinIngestApart(Path pgData, Ingest ingest) throws Exception {
        long postmaster = Long.parseLong(Files.readAllLines(pgData.resolve("postmaster.pid")).get(0).strip());
        taskset("1", true, ProcessHandle.current().pid());
        taskset("1", true, postmaster);
        for (ProcessHandle child : ProcessHandle.of(postmaster).orElseThrow().children().toList()) {
            taskset("1", true, child.pid());
        }
        taskset("0", false, ingest.backendPid);
        taskset("0", false, ingest.threadId());
        System.out.println("pinned: ingest thread and its backend on CPU 0, the pruner and the rest on CPU 1 "
                + "(--no-pin to share both)");
    }

    private static void taskset(String cpus, boolean allThreads, long pid) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("taskset"));
        if (allThreads) {
            cmd.add("-a");
        }
        cmd.addAll(List.of("-cp", cpus, Long.toString(pid)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
        }
    }

    enum Phase {
        WARM_UP, BEFORE, PRUNING, AFTER, SETUP, UNLINK_ONLY, DONE
    }

    /** Bytes of the day partitions the run will drop (heap, indexes, TOAST). */
    private static long databaseBytes(String jdbc) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbc, EmbeddedPostgresServer.SUPERUSER, "");
                var rs = c.createStatement().executeQuery("""
                        select coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_class c
                        join pg_namespace n on n.oid = c.relnamespace
                        where n.nspname = 'events' and c.relkind = 'r' and c.relname ~ '_[0-9]{8}$'
                          and to_date(right(c.relname, 8), 'YYYYMMDD') < current_date - 30""")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Files of 16 MiB (the last smaller) adding up to {@code bytes}, written and synced. */
    private static List<Path> fill(Path dir, long bytes) throws IOException {
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        byte[] chunk = new byte[16 << 20];
        for (long left = bytes; left > 0; left -= chunk.length) {
            Path f = dir.resolve("fill-" + out.size());
            try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, left)));
                ch.force(true);
            }
            out.add(f);
        }
        return out;
    }

    /** Single-row committed inserts at a fixed rate on their own thread, each timed and tagged with the phase. */
    static final class Ingest implements AutoCloseable {
        private final Connection c;
        private final long periodNanos;
        private final List<long[]> samples = new ArrayList<>(); // {phase, nanos}
        private volatile Phase phase = Phase.WARM_UP;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;
        final long backendPid;

        Ingest(String jdbc, int rate) throws SQLException {
            c = DriverManager.getConnection(jdbc, EmbeddedPostgresServer.SUPERUSER, "");
            try (var rs = c.createStatement().executeQuery("select pg_backend_pid()")) {
                rs.next();
                backendPid = rs.getLong(1);
            }
            periodNanos = 1_000_000_000L / rate;
            thread = new Thread(this::loop, "ingest");
            thread.start();
        }

        void phase(Phase p) {
            phase = p;
        }

        /** The ingest thread's Linux thread id, found by its name in /proc. */
        long threadId() throws IOException {
            try (var tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path t : tasks.toList()) {
                    if (Files.readString(t.resolve("comm")).strip().equals("ingest")) {
                        return Long.parseLong(t.getFileName().toString());
                    }
                }
            }
            throw new IllegalStateException("no thread named ingest in /proc/self/task");
        }

        private void loop() {
            try (PreparedStatement event = c.prepareStatement("insert into events.motion_events (event_id, camera_id, "
                    + "site, started_at, last_at, score) values (?, 'live', 'hq', now(), now(), 0.5)");
                    PreparedStatement segment = c.prepareStatement("insert into events.segments values (?, 'live', "
                            + "'hq', '/r', ?, now() - interval '1 minute', now(), 900, 1, 'x', 'h264', 1, 1)")) {
                long next = System.nanoTime();
                long n = 0;
                while (running.get() && phase != Phase.DONE) {
                    Phase p = phase;
                    long t0 = System.nanoTime();
                    if (++n % 60 == 0) {
                        segment.setString(1, "live-" + n);
                        segment.setString(2, "live/" + n + ".avi");
                        segment.executeUpdate();
                    } else {
                        event.setObject(1, UUID.randomUUID());
                        event.executeUpdate();
                    }
                    long took = System.nanoTime() - t0;
                    synchronized (samples) {
                        samples.add(new long[] {p.ordinal(), took, t0});
                    }
                    next += periodNanos;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    } else {
                        next = System.nanoTime(); // behind: do not burst to catch up
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        double[] latencies(Phase... phases) {
            synchronized (samples) {
                return samples.stream().filter(s -> Arrays.stream(phases).anyMatch(p -> p.ordinal() == s[0]))
                        .mapToDouble(s -> s[1] / 1e6).toArray();
            }
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            thread.join(10_000);
            c.close();
        }
    }

    private static double percentile(double[] values, double q) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length == 0 ? Double.NaN : v[Math.min(v.length - 1, (int) Math.ceil(q * v.length) - 1)];
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

}
