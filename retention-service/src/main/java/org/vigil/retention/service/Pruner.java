package org.vigil.retention.service;

import io.micrometer.core.instrument.Gauge;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;
import org.vigil.contracts.AuditEntry;
import org.vigil.retention.config.RetentionConfig;
import org.vigil.retention.messaging.AuditPublisher;
import org.vigil.retention.repository.EventPruneRepository;
import org.vigil.retention.repository.EventPruneRepository.Table;
import org.vigil.retention.repository.PruneRepository;
import org.vigil.retention.repository.PruneRepository.Candidate;
import org.vigil.retention.repository.PruneRepository.QuotaGroup;
import org.vigil.retention.repository.PruneRepository.Summary;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Deletes what policy allows and nothing a legal hold covers, by every path: recordings past their age, recordings
 * over a camera's or site's quota, the oldest recordings when the disk runs low, and events and ai_data by whole days.
 * Crash-safe by order: an index row goes first (by key, in a short statement that checks holds again), then, once that
 * delete is on disk, its file;
 * a crash in between leaves a file without a row, which the next run's reconcile removes (unless held). So no row ever
 * points at a missing file. Only one instance prunes at a time (a PostgreSQL advisory lock); every real run is audited
 * with its report.
 */
@ApplicationScoped
public class Pruner {

    private static final Logger LOG = Logger.getLogger(Pruner.class);
    private static final int BATCH = 500;
    /** How long a detach may wait for each lock (and for older transactions) before the day is left for next run. */
    private static final Duration LOCK_WAIT = Duration.ofMillis(200);
    /** Detached days dropped in one transaction (PostgreSQL flushes the WAL at each commit that drops tables). */
    private static final int DROP_BATCH = 8;
    /** The pause after a batch, as a multiple of the time the batch took (see {@link #yieldToIngest}). */
    private static final int PAUSE_FACTOR = 2;
    /** The longest pause after a batch (see {@link #yieldToIngest}). */
    private static final Duration MAX_PAUSE = Duration.ofSeconds(1);
    private static final Pattern NAME = Pattern.compile("recording_(.+)_(\\d{8}T\\d{6}\\.\\d{3}Z)\\.avi");
    private static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** Recordings one path deleted (or would delete). */
    public record Deleted(long segments, long bytes, Instant oldest, Instant newest) {
        static final Deleted NONE = new Deleted(0, 0, null, null);

        static Deleted of(Summary s) {
            return new Deleted(s.segments(), s.bytes(), s.oldest(), s.newest());
        }

        Deleted plus(Deleted o) {
            return new Deleted(segments + o.segments, bytes + o.bytes, min(oldest, o.oldest), max(newest, o.newest));
        }

        Deleted plus(Candidate c) {
            return plus(new Deleted(1, c.bytes(), c.startedAt(), c.endedAt()));
        }
    }

    /**
     * Rows of one event-store table deleted (or due), kept because held, days dropped or left (lock busy), and how
     * long it took.
     */
    public record Rows(long deleted, long keptHeld, int daysDropped, int daysBusy, long millis) {
    }

    /**
     * What a run did, or a dry run would do. {@code segments}..{@code newest} total the recordings of every path;
     * in a dry run each path is counted as if it ran alone, so a segment may be counted by more than one.
     */
    public record Report(boolean dryRun, boolean ran, String trigger, Instant at, Instant cutoff, long segments,
            long bytes, Instant oldest, Instant newest, Deleted byAge, Deleted byQuota, Deleted byLowDisk,
            Map<String, Rows> events, long orphansRemoved, List<String> warnings, List<String> errors,
            long recordingsMillis, long millis) {
    }

    /** What an emergency deletion did: what went, and whether unheld footage ran out before enough was freed. */
    public record Emergency(boolean ran, Deleted deleted, boolean exhausted) {
    }

    private final PruneRepository repository;
    private final EventPruneRepository events;
    private final Policy policy;
    private final RetentionConfig config;
    private final StorageRoots roots;
    private final AuditPublisher audit;
    private volatile Report last;
    private ScheduledExecutorService schedule;

    private final io.micrometer.core.instrument.MeterRegistry metrics;

    public Pruner(PruneRepository repository, EventPruneRepository events, Policy policy, RetentionConfig config,
            StorageRoots roots, AuditPublisher audit, io.micrometer.core.instrument.MeterRegistry metrics) {
        this.metrics = metrics;
        Gauge.builder("vigil_retention_last_run_timestamp_seconds", this,
                p -> p.last == null ? Double.NaN : p.last.at().getEpochSecond()).strongReference(true)
                .register(metrics);
        for (String reason : List.of("age", "quota", "low_disk")) { // every series from the start: rate() works
            deleted(reason, Deleted.NONE);
        }
        this.repository = repository;
        this.events = events;
        this.policy = policy;
        this.config = config;
        this.roots = roots;
        this.audit = audit;
    }

    void start(@Observes StartupEvent e) {
        if (config.interval().isZero()) {
            return;
        }
        schedule = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "retention-pruner"));
        long first = Math.min(60, config.interval().toSeconds()); // soon after start: finishes what a crash left
        schedule.scheduleWithFixedDelay(() -> {
            try {
                run("system", "schedule");
            } catch (RuntimeException ex) {
                LOG.errorf(ex, "scheduled retention run failed: %s", ex.getMessage());
            }
        }, first, config.interval().toSeconds(), TimeUnit.SECONDS);
    }

    void stop(@Observes ShutdownEvent e) {
        if (schedule != null) {
            schedule.shutdownNow();
        }
    }

    /** The last real run's report, if any since start. */
    public Report last() {
        return last;
    }

    private Instant cutoff(Instant now) {
        return now.minus(Duration.ofDays(policy.defaultDays()));
    }

    /** The backlog: recordings past their age or over a quota that the next run would delete. */
    public Deleted overdue() {
        Instant now = Instant.now();
        return dueByAge(now).plus(dueByQuota(now));
    }

    private Deleted dueByAge(Instant now) {
        return Deleted.of(repository.pastAgeSummary(now, policy.cameras(), policy.sites(), policy.defaultDays()));
    }

    private Deleted dueByQuota(Instant now) {
        return Deleted.of(repository.overQuotaSummary(QuotaGroup.CAMERA, now, policy.cameraQuotas()))
                .plus(Deleted.of(repository.overQuotaSummary(QuotaGroup.SITE, now, policy.siteQuotas())));
    }

    /** What a run would delete now, by path: counts, bytes, oldest and newest; nothing changes. */
    public Report dryRun(long lowDiskBytes) {
        Instant now = Instant.now();
        long t0 = System.nanoTime();
        Deleted age = dueByAge(now);
        Deleted quota = dueByQuota(now);
        Deleted low = lowDiskBytes > 0 ? Deleted.of(repository.oldestUnheldSummary(lowDiskBytes, now)) : Deleted.NONE;
        Map<String, Rows> rows = new LinkedHashMap<>();
        for (Table t : Table.values()) {
            EventPruneRepository.Due d = events.due(t, EventPruneRepository.dayBoundary(eventsCutoff(t, now)), now);
            rows.put(t.name, new Rows(d.rows(), d.held(), 0, 0, 0));
        }
        return report(true, true, "dry_run", now, age, quota, low, rows, 0, List.of(), List.of(), 0, t0);
    }

    /** Prunes now by age, quota and the events policies, unless another run is going on ({@code ran} false). */
    public Report run(String actor, String trigger) {
        Instant now = Instant.now();
        long t0 = System.nanoTime();
        Report[] out = new Report[1];
        boolean ran = repository.withPruneLock(() -> {
            out[0] = prune(now, trigger, t0);
            return true;
        });
        if (!ran) {
            LOG.info("retention: another run is pruning; this one is skipped");
            return report(false, false, trigger, now, Deleted.NONE, Deleted.NONE, Deleted.NONE, Map.of(), 0,
                    List.of("another run was pruning"), List.of(), 0, t0);
        }
        Report r = out[0];
        last = r;
        deleted("age", r.byAge());
        deleted("quota", r.byQuota());
        r.events().forEach((table, rows) -> metrics.counter("vigil_retention_deleted_rows_total", "table", table)
                .increment(rows.deleted()));
        metrics.timer("vigil_retention_run_seconds").record(r.millis(), TimeUnit.MILLISECONDS);
        audited(actor, r);
        LOG.infof("retention (%s): removed %d segments (%d bytes: %d by age, %d by quota), %s, %d orphan files in %d ms",
                trigger, r.segments(), r.bytes(), r.byAge().segments(), r.byQuota().segments(), eventSummary(r),
                r.orphansRemoved(), r.millis());
        return r;
    }

    private void deleted(String reason, Deleted d) {
        metrics.counter("vigil_retention_deleted_segments_total", "reason", reason).increment(d.segments());
        metrics.counter("vigil_retention_deleted_bytes_total", "reason", reason).increment(d.bytes());
    }

    /**
     * Frees {@code bytes} on the recordings volume by deleting the oldest unheld recordings, whatever their age
     * policy; never held ones. {@code exhausted} when nothing more may be deleted before enough was freed.
     */
    public Emergency freeSpace(long bytes, String actor) {
        Instant now = Instant.now();
        long t0 = System.nanoTime();
        Emergency[] out = new Emergency[1];
        List<String> errors = new ArrayList<>();
        boolean ran = repository.withPruneLock(() -> {
            Deleted d = Deleted.NONE;
            boolean exhausted = false;
            while (d.bytes() < bytes) {
                List<Candidate> batch = repository.oldestUnheld(bytes - d.bytes(), now, BATCH);
                List<Candidate> gone = batch.isEmpty() ? List.of() : repository.deleteRows(batch, now);
                if (gone.isEmpty()) {
                    exhausted = true;
                    break;
                }
                d = d.plus(deleteFiles(gone, errors));
            }
            out[0] = new Emergency(true, d, exhausted);
            return true;
        });
        if (!ran) {
            return new Emergency(false, Deleted.NONE, false);
        }
        Emergency e = out[0];
        Report r = report(false, true, "low_disk", now, Deleted.NONE, Deleted.NONE, e.deleted(), Map.of(), 0,
                e.exhausted() ? List.of("only recordings under legal hold are left to delete") : List.of(),
                errors, (System.nanoTime() - t0) / 1_000_000, t0);
        last = r;
        deleted("low_disk", e.deleted());
        audited(actor, r);
        LOG.warnf("retention (low disk): removed %d of the oldest segments (%d bytes of %d wanted)%s",
                e.deleted().segments(), e.deleted().bytes(), bytes,
                e.exhausted() ? "; nothing unheld is left to delete" : "");
        return e;
    }

    private Report prune(Instant now, String trigger, long t0) {
        List<String> errors = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        long r0 = System.nanoTime();
        Deleted age = drain(limit -> repository.pastAge(now, policy.cameras(), policy.sites(), policy.defaultDays(),
                limit), now, errors);
        Deleted quota = drain(limit -> repository.overQuota(QuotaGroup.CAMERA, now, policy.cameraQuotas(), limit),
                now, errors).plus(drain(limit -> repository.overQuota(QuotaGroup.SITE, now, policy.siteQuotas(),
                        limit), now, errors));
        quotaWarnings(warnings);
        long recordingsMillis = (System.nanoTime() - r0) / 1_000_000;
        Map<String, Rows> rows = new LinkedHashMap<>();
        for (Table t : Table.values()) {
            rows.put(t.name, pruneTable(t, now, warnings));
        }
        long s0 = System.nanoTime();
        long snapshots = events.deleteSnapshots(EventPruneRepository.dayBoundary(now.minus(
                Duration.ofDays(policy.eventsDays()))));
        rows.put("snapshots", new Rows(snapshots, 0, 0, 0, (System.nanoTime() - s0) / 1_000_000));
        // a file without a row has no known site: only what every policy would have deleted goes
        long orphans = reconcile(now, now.minus(Duration.ofDays(policy.longestDays())), errors);
        return report(false, true, trigger, now, age, quota, Deleted.NONE, rows, orphans, warnings, errors,
                recordingsMillis, t0);
    }

    /** Repeats select-then-delete until a batch comes back short or nothing in it could be deleted. */
    private Deleted drain(Function<Integer, List<Candidate>> select, Instant now, List<String> errors) {
        Deleted d = Deleted.NONE;
        List<Candidate> batch;
        do {
            long b0 = System.nanoTime();
            batch = select.apply(BATCH);
            PruneRepository.Gone gone = repository.deleteRowsLazily(batch, now);
            if (gone.rows().isEmpty()) {
                break; // nothing, or all held since they were selected
            }
            yieldToIngest(b0);
            // the rows' delete must be on disk before their files go: else a crash could bring back rows whose files
            // are gone. After the pause it almost always is (ingest's own commits flushed it).
            repository.awaitDurable(gone.walPosition());
            d = d.plus(deleteFiles(gone.rows(), errors));
        } while (batch.size() == BATCH);
        return d;
    }

    /**
     * Pauses twice as long as the batch begun at {@code startNanos} took (at most {@link #MAX_PAUSE}), like
     * PostgreSQL's autovacuum cost delay: retention works at most a third of the time, and the disk and the database
     * serve ingest between its bursts. (Measured: a run of 1,000,000 events and 10,000 files still takes seconds.)
     */
    private static void yieldToIngest(long startNanos) {
        long pause = Math.min(PAUSE_FACTOR * (System.nanoTime() - startNanos), MAX_PAUSE.toNanos());
        java.util.concurrent.locks.LockSupport.parkNanos(pause);
    }

    /** Deletes the files of rows already deleted; a failure is reported and left to the next reconcile. */
    private static Deleted deleteFiles(List<Candidate> gone, List<String> errors) {
        Deleted d = Deleted.NONE;
        for (Candidate c : gone) {
            Path file = Path.of(c.root()).resolve(c.path());
            try {
                Files.deleteIfExists(file);
                Files.deleteIfExists(file.resolveSibling(file.getFileName() + ".idx"));
            } catch (IOException e) {
                errors.add(c.path() + ": " + e.getMessage());
            }
            d = d.plus(c);
        }
        return d;
    }

    /** After the quota path, a camera or site still over its quota is over by held footage: the report says so. */
    private void quotaWarnings(List<String> warnings) {
        for (QuotaGroup g : QuotaGroup.values()) {
            Map<String, Long> quotas = g == QuotaGroup.CAMERA ? policy.cameraQuotas() : policy.siteQuotas();
            repository.usageBy(g, quotas.keySet()).forEach((name, used) -> {
                if (used > quotas.get(name)) {
                    warnings.add(g.name().toLowerCase() + " " + name + " is over its quota by " + (used
                            - quotas.get(name)) + " bytes of footage under legal hold");
                }
            });
        }
    }

    private Instant eventsCutoff(Table t, Instant now) {
        int days = t.policy == EventPruneRepository.Policy.AI_DATA ? policy.aiDataDays() : policy.eventsDays();
        return now.minus(Duration.ofDays(days));
    }

    /**
     * One table's due days, a day at a time, with a pause after each step as long as it took (see
     * {@link #yieldToIngest}): a day with held rows keeps them and loses the rest by key; any other day is detached
     * concurrently, and the detached days are dropped several to a transaction. A day whose lock a long reader holds
     * is left for the next run (reported as busy).
     */
    private Rows pruneTable(Table t, Instant now, List<String> warnings) {
        long t0 = System.nanoTime();
        Instant boundary = EventPruneRepository.dayBoundary(eventsCutoff(t, now));
        long deleted = 0;
        long kept = 0;
        int dropped = 0;
        int busy = 0;
        Map<String, Boolean> attached = events.attached(t); // day → its detach is pending
        List<String> detached = new ArrayList<>();
        boolean pendingLeft = false;
        for (String day : events.daysBefore(t, boundary)) {
            long b0 = System.nanoTime();
            if (Boolean.TRUE.equals(attached.get(day))) {
                if (!events.finishDetach(t, day, LOCK_WAIT)) {
                    busy++;
                    pendingLeft = true; // one pending detach per table: the other attached days wait too
                    continue;
                }
                attached.remove(day);
            }
            long held = events.heldRows(t, day, now);
            if (held > 0 && !attached.containsKey(day)) {
                events.reattach(t, day); // detached by an earlier run, and a hold came since
                attached.put(day, false);
            }
            if (held > 0) {
                kept += held;
                int n;
                do {
                    long d0 = System.nanoTime();
                    n = events.deleteUnheldBatch(t, day, now);
                    deleted += n;
                    yieldToIngest(d0);
                } while (n == EventPruneRepository.batch());
                continue;
            }
            if (attached.containsKey(day)) {
                if (pendingLeft || !events.detach(t, day, LOCK_WAIT)) {
                    busy++;
                    pendingLeft = true;
                    continue;
                }
                yieldToIngest(b0);
            }
            detached.add(day);
        }
        for (int i = 0; i < detached.size(); i += DROP_BATCH) {
            long b0 = System.nanoTime();
            List<String> chunk = detached.subList(i, Math.min(detached.size(), i + DROP_BATCH));
            Map<String, Long> gone = events.dropDetached(t, chunk, now);
            for (String day : chunk) {
                if (gone.containsKey(day)) {
                    deleted += gone.get(day);
                    dropped++;
                } else { // a hold was placed since the check above: the day goes back, whole
                    events.reattach(t, day);
                    warnings.add(day + " was kept: a hold was placed on it during the run");
                }
            }
            yieldToIngest(b0);
        }
        if (busy > 0) {
            warnings.add(busy + " day(s) of " + t.name + " were left for the next run: the table was busy");
        }
        return new Rows(deleted, kept, dropped, busy, (System.nanoTime() - t0) / 1_000_000);
    }

    private Report report(boolean dryRun, boolean ran, String trigger, Instant now, Deleted age, Deleted quota,
            Deleted low, Map<String, Rows> rows, long orphans, List<String> warnings, List<String> errors,
            long recordingsMillis, long t0) {
        Deleted all = age.plus(quota).plus(low);
        return new Report(dryRun, ran, trigger, now, cutoff(now), all.segments(), all.bytes(), all.oldest(),
                all.newest(), age, quota, low, rows, orphans, List.copyOf(warnings), List.copyOf(errors),
                recordingsMillis, (System.nanoTime() - t0) / 1_000_000);
    }

    private void audited(String actor, Report r) {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("trigger", r.trigger());
        details.put("cutoff", r.cutoff().toString());
        details.put("segments", Long.toString(r.segments()));
        details.put("bytes", Long.toString(r.bytes()));
        details.put("byAge", Long.toString(r.byAge().segments()));
        details.put("byQuota", Long.toString(r.byQuota().segments()));
        details.put("byLowDisk", Long.toString(r.byLowDisk().segments()));
        details.put("oldest", String.valueOf(r.oldest()));
        details.put("newest", String.valueOf(r.newest()));
        r.events().forEach((table, rows) -> details.put(table, Long.toString(rows.deleted())));
        details.put("orphans", Long.toString(r.orphansRemoved()));
        details.put("warnings", Integer.toString(r.warnings().size()));
        details.put("errors", Integer.toString(r.errors().size()));
        audit.record(Instant.now(), actor, "retention.run", AuditEntry.SYSTEM + "retention", null,
                r.errors().isEmpty() ? "success" : "failure", details);
    }

    private static String eventSummary(Report r) {
        StringBuilder b = new StringBuilder();
        r.events().forEach((t, rows) -> b.append(b.length() == 0 ? "" : ", ").append(rows.deleted()).append(' ')
                .append(t));
        return b.length() == 0 ? "no event rows" : b.toString();
    }

    /** The {@code .avi} files under {@code root}; files that vanish during the walk are skipped, not errors. */
    private static List<Path> recordingFiles(Path root, List<String> errors) {
        List<Path> out = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile() && file.getFileName().toString().endsWith(".avi")) {
                        out.add(file);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            errors.add("reading " + root + ": " + e.getMessage());
        }
        return out;
    }

    /**
     * Recording files older than the cut-off that no index row names (a crash between row and file, or a recorder
     * that never indexed them) and no hold covers, in every recordings directory: removed.
     */
    long reconcile(Instant now, Instant cutoff, List<String> errors) {
        long removed = 0;
        for (Path root : roots.all()) {
            if (Files.isDirectory(root)) {
                removed += reconcile(root, now, cutoff, errors);
            }
        }
        return removed;
    }

    private long reconcile(Path root, Instant now, Instant cutoff, List<String> errors) {
        long removed = 0;
        for (Path f : recordingFiles(root, errors)) {
            Matcher m = NAME.matcher(f.getFileName().toString());
            if (!m.matches()) {
                continue;
            }
            try {
                Instant start = NAME_TIME.parse(m.group(2), Instant::from);
                Instant end = Files.getLastModifiedTime(f).toInstant(); // the last write: where the footage ends
                if (!start.isBefore(cutoff) || end.isAfter(cutoff)
                        || repository.indexed(root.toString(), root.relativize(f).toString())
                        || repository.held(m.group(1), start, end, now)) {
                    continue;
                }
                Files.deleteIfExists(f);
                Files.deleteIfExists(f.resolveSibling(f.getFileName() + ".idx"));
                removed++;
            } catch (DateTimeParseException | NoSuchFileException e) {
                // not a recorder's name, or gone meanwhile
            } catch (IOException e) {
                errors.add(root.relativize(f) + ": " + e.getMessage());
            }
        }
        return removed;
    }

    private static Instant min(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
    }

    private static Instant max(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
    }
}
