package org.vigil.retention.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;
import org.vigil.retention.config.RetentionConfig;
import org.vigil.retention.messaging.AuditPublisher;
import org.vigil.retention.repository.PruneRepository;
import org.vigil.retention.repository.PruneRepository.Candidate;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Deletes recordings older than RETENTION_DAYS that no active legal hold covers. Crash-safe by order: the index row
 * goes first (in its own short transaction, re-checking holds), then the file; a crash in between leaves a file
 * without a row, which the reconcile step of the next run removes (unless a hold covers it). So no row ever points at
 * a missing file. Only one instance prunes at a time (a PostgreSQL advisory lock); every real run is audited with its
 * report.
 */
@ApplicationScoped
public class Pruner {

    private static final Logger LOG = Logger.getLogger(Pruner.class);
    private static final int BATCH = 500;
    private static final Pattern NAME = Pattern.compile("recording_(.+)_(\\d{8}T\\d{6}\\.\\d{3}Z)\\.avi");
    private static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** What a run did, or a dry run would do. */
    public record Report(boolean dryRun, boolean ran, Instant cutoff, long segments, long bytes, Instant oldest,
            Instant newest, long orphansRemoved, List<String> errors) {
    }

    private final PruneRepository repository;
    private final Policy policy;
    private final RetentionConfig config;
    private final AuditPublisher audit;
    private ScheduledExecutorService schedule;

    public Pruner(PruneRepository repository, Policy policy, RetentionConfig config, AuditPublisher audit) {
        this.repository = repository;
        this.policy = policy;
        this.config = config;
        this.audit = audit;
    }

    void start(@Observes StartupEvent e) {
        if (config.interval().isZero()) {
            return;
        }
        schedule = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "retention-pruner"));
        schedule.scheduleWithFixedDelay(() -> {
            try {
                run("system");
            } catch (RuntimeException ex) {
                LOG.errorf(ex, "scheduled retention run failed: %s", ex.getMessage());
            }
        }, config.interval().toSeconds(), config.interval().toSeconds(), TimeUnit.SECONDS);
    }

    void stop(@Observes ShutdownEvent e) {
        if (schedule != null) {
            schedule.shutdownNow();
        }
    }

    private Instant cutoff(Instant now) {
        return now.minus(java.time.Duration.ofDays(policy.defaultDays()));
    }

    /** What a run would delete now: counts, bytes, oldest and newest. */
    public Report dryRun() {
        Instant now = Instant.now();
        Instant cutoff = cutoff(now);
        PruneRepository.Summary s = repository.summary(now, policy.cameras(), policy.sites(), policy.defaultDays());
        return new Report(true, true, cutoff, s.segments(), s.bytes(), s.oldest(), s.newest(), 0, List.of());
    }

    /** Prunes now, unless another instance is pruning ({@code ran} false). Blocking. */
    public Report run(String actor) {
        Report[] out = new Report[1];
        Instant now = Instant.now();
        Instant cutoff = cutoff(now);
        boolean ran = repository.withPruneLock(() -> out[0] = prune(now, cutoff));
        if (!ran) {
            LOG.info("retention: another instance is pruning; this run is skipped");
            return new Report(false, false, cutoff, 0, 0, null, null, 0, List.of());
        }
        Report r = out[0];
        Map<String, String> details = new LinkedHashMap<>();
        details.put("cutoff", cutoff.toString());
        details.put("segments", Long.toString(r.segments()));
        details.put("bytes", Long.toString(r.bytes()));
        details.put("oldest", String.valueOf(r.oldest()));
        details.put("newest", String.valueOf(r.newest()));
        details.put("orphans", Long.toString(r.orphansRemoved()));
        details.put("errors", Integer.toString(r.errors().size()));
        audit.record(Instant.now(), actor, "retention.run", "recordings", null, r.errors().isEmpty() ? "success"
                : "failure", details);
        LOG.infof("retention: removed %d segments (%d bytes) and %d orphan files older than %s", r.segments(),
                r.bytes(), r.orphansRemoved(), cutoff);
        return r;
    }

    private Report prune(Instant now, Instant cutoff) {
        long segments = 0;
        long bytes = 0;
        Instant oldest = null;
        Instant newest = null;
        List<String> errors = new ArrayList<>();
        List<Candidate> batch;
        do {
            batch = repository.candidates(now, policy.cameras(), policy.sites(), policy.defaultDays(), BATCH);
            for (Candidate c : batch) {
                if (!repository.deleteRow(c, now)) {
                    continue; // gone already, or a hold arrived meanwhile
                }
                Path file = Path.of(c.root()).resolve(c.path());
                try {
                    Files.deleteIfExists(file);
                    Files.deleteIfExists(file.resolveSibling(file.getFileName() + ".idx"));
                } catch (IOException e) {
                    errors.add(c.path() + ": " + e.getMessage()); // the next reconcile removes it
                }
                segments++;
                bytes += c.bytes();
                oldest = oldest == null || c.startedAt().isBefore(oldest) ? c.startedAt() : oldest;
                newest = newest == null || c.endedAt().isAfter(newest) ? c.endedAt() : newest;
            }
        } while (batch.size() == BATCH);
        int longest = Math.max(policy.defaultDays(), Math.max(
                policy.cameras().values().stream().mapToInt(Integer::intValue).max().orElse(0),
                policy.sites().values().stream().mapToInt(Integer::intValue).max().orElse(0)));
        // a file without a row has no known site: only what every policy would have deleted goes
        long orphans = reconcile(now, now.minus(java.time.Duration.ofDays(longest)), errors);
        return new Report(false, true, cutoff, segments, bytes, oldest, newest, orphans, List.copyOf(errors));
    }

    /** The {@code .avi} files under {@code root}; files that vanish during the walk are skipped, not errors. */
    private static List<Path> recordingFiles(Path root, List<String> errors) {
        List<Path> out = new ArrayList<>();
        try {
            Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult visitFile(Path file,
                        java.nio.file.attribute.BasicFileAttributes attrs) {
                    if (attrs.isRegularFile() && file.getFileName().toString().endsWith(".avi")) {
                        out.add(file);
                    }
                    return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            errors.add("reading " + root + ": " + e.getMessage());
        }
        return out;
    }

    /**
     * Recording files older than the cut-off that no index row names (a crash between row and file, or a recorder
     * that never indexed them) and no hold covers: removed.
     */
    long reconcile(Instant now, Instant cutoff, List<String> errors) {
        Path root = config.recordingsDir().toAbsolutePath();
        if (!Files.isDirectory(root)) {
            return 0;
        }
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
            } catch (DateTimeParseException | java.nio.file.NoSuchFileException e) {
                // not a recorder's name, or gone meanwhile
            } catch (IOException e) {
                errors.add(root.relativize(f) + ": " + e.getMessage());
            }
        }
        return removed;
    }
}
