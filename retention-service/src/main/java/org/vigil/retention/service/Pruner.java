package org.vigil.retention.service;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import org.vigil.contracts.AuditEntry;
import org.vigil.retention.repository.PruneRepository;
import org.vigil.retention.service.PruneReport.Deleted;
import org.vigil.retention.service.PruneReport.Emergency;
import org.vigil.retention.service.PruneReport.Report;
import org.vigil.runtime.audit.AuditPublisher;

/**
 * Deletes what policy allows and nothing a legal hold covers, by every path: recordings past their age, recordings
 * over a camera's or site's quota, and the oldest recordings when the disk runs low. (The event store's own days are
 * event-service's to prune: design 0016.)
 * Crash-safe by order: an index row goes first (by key, in a short statement that checks holds again), then, once that
 * delete is on disk, its file;
 * a crash in between leaves a file without a row, which the next run's reconcile removes (unless held). So no row ever
 * points at a missing file. Only one instance prunes at a time (a PostgreSQL advisory lock); every real run is audited
 * with its report.
 */
@Startup // made at start, not on first use: its metrics exist from the start
@ApplicationScoped
public class Pruner {

    private static final Logger LOG = Logger.getLogger(Pruner.class);
    /** How long a run waits for the camera registry to be read before it leaves the age path to the next run. */
    private static final Duration REGISTRY_WAIT = Duration.ofSeconds(30);
    static final String REGISTRY_UNREAD = "the camera registry is not read yet (Kafka unavailable?): nothing was "
            + "judged by age, since a camera's own longer days would not be known; the next run tries again";

    private final PruneRepository repository;
    private final RecordingDeleter recordings;
    private final OrphanFiles orphans;
    private final Policy policy;
    private final AuditPublisher audit;
    private final MeterRegistry metrics;
    private final InstantSource clock;
    private volatile Report last;

    public Pruner(PruneRepository repository, RecordingDeleter recordings, OrphanFiles orphans,
            Policy policy, AuditPublisher audit, MeterRegistry metrics, InstantSource clock) {
        this.repository = repository;
        this.recordings = recordings;
        this.orphans = orphans;
        this.policy = policy;
        this.audit = audit;
        this.metrics = metrics;
        this.clock = clock;
        Gauge.builder("vigil_retention_last_run_timestamp_seconds", this,
                p -> p.last == null ? Double.NaN : p.last.at().getEpochSecond()).strongReference(true)
                .register(metrics);
        for (String reason : List.of("age", "quota", "low_disk")) { // every series from the start: rate() works
            deleted(reason, Deleted.NONE);
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
        Instant now = clock.instant();
        return recordings.dueByAge(now).plus(recordings.dueByQuota(now));
    }

    /** What a run would delete now, by path: counts, bytes, oldest and newest; nothing changes. */
    public Report dryRun(long lowDiskBytes) {
        Instant now = clock.instant();
        long t0 = System.nanoTime();
        boolean known = policy.camerasKnown(REGISTRY_WAIT);
        return PruneReport.of(true, true, "dry_run", now, cutoff(now), known ? recordings.dueByAge(now)
                : Deleted.NONE, recordings.dueByQuota(now), recordings.dueByLowDisk(lowDiskBytes, now), 0,
                known ? List.of() : List.of(REGISTRY_UNREAD), List.of(), 0, t0);
    }

    /**
     * What the next run would delete by age of these cameras were their own days {@code days} (a null: none, so
     * their site's policy); nothing changes. A camera named in RETENTION_DAYS_BY_CAMERA keeps that value.
     */
    public Deleted dryRunCameras(Map<String, Integer> days) {
        Instant now = clock.instant();
        if (!policy.camerasKnown(REGISTRY_WAIT)) {
            throw new IllegalStateException(REGISTRY_UNREAD);
        }
        Map<String, Integer> proposed = new java.util.HashMap<>(policy.registryCameras());
        days.forEach((id, d) -> {
            if (d == null) {
                proposed.remove(id);
            } else {
                proposed.put(id, d);
            }
        });
        proposed.putAll(policy.configuredCameras());
        return recordings.dueByAgeOf(now, proposed, days.keySet());
    }

    /** Prunes now by age, quota and the events policies, unless another run is going on ({@code ran} false). */
    public Report run(String actor, String trigger) {
        Instant now = clock.instant();
        long t0 = System.nanoTime();
        Report[] out = new Report[1];
        boolean ran = repository.withPruneLock(() -> {
            out[0] = prune(now, trigger, t0);
        });
        if (!ran) {
            LOG.info("retention: another run is pruning; this one is skipped");
            return PruneReport.of(false, false, trigger, now, cutoff(now), Deleted.NONE, Deleted.NONE, Deleted.NONE,
                    0, List.of("another run was pruning"), List.of(), 0, t0);
        }
        Report r = out[0];
        last = r;
        deleted("age", r.byAge());
        deleted("quota", r.byQuota());
        metrics.timer("vigil_retention_run_seconds").record(r.millis(), TimeUnit.MILLISECONDS);
        audited(actor, r);
        LOG.infof("retention (%s): removed %d segments (%d bytes: %d by age, %d by quota), %d orphan files in %d ms",
                trigger, r.segments(), r.bytes(), r.byAge().segments(), r.byQuota().segments(), r.orphansRemoved(),
                r.millis());
        return r;
    }

    /**
     * Frees {@code bytes} on the recordings volume by deleting the oldest unheld recordings, whatever their age
     * policy; never held ones. {@code exhausted} when nothing more may be deleted before enough was freed.
     */
    public Emergency freeSpace(long bytes, String actor) {
        Instant now = clock.instant();
        long t0 = System.nanoTime();
        Emergency[] out = new Emergency[1];
        List<String> errors = new ArrayList<>();
        boolean ran = repository.withPruneLock(() -> {
            out[0] = recordings.oldestFirst(bytes, now, errors);
        });
        if (!ran) {
            return new Emergency(false, Deleted.NONE, false);
        }
        Emergency e = out[0];
        Report r = PruneReport.of(false, true, "low_disk", now, cutoff(now), Deleted.NONE, Deleted.NONE, e.deleted(),
                0, e.exhausted() ? List.of("only recordings under legal hold are left to delete") : List.of(),
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
        boolean known = policy.camerasKnown(REGISTRY_WAIT);
        Deleted age = Deleted.NONE;
        if (known) {
            age = recordings.byAge(now, errors);
        } else {
            warnings.add(REGISTRY_UNREAD);
        }
        Deleted quota = recordings.byQuota(now, errors, warnings);
        long recordingsMillis = (System.nanoTime() - r0) / 1_000_000;
        // a file without a row has no known site: only what every policy would have deleted goes
        long removed = known ? orphans.remove(now, now.minus(Duration.ofDays(policy.longestDays())), errors) : 0;
        return PruneReport.of(false, true, trigger, now, cutoff(now), age, quota, Deleted.NONE, removed,
                warnings, errors, recordingsMillis, t0);
    }

    private void deleted(String reason, Deleted d) {
        metrics.counter("vigil_retention_deleted_segments_total", "reason", reason).increment(d.segments());
        metrics.counter("vigil_retention_deleted_bytes_total", "reason", reason).increment(d.bytes());
    }

    private void audited(String actor, Report r) {
        audit.record(actor, "retention.run", AuditEntry.SYSTEM + "retention", null,
                r.errors().isEmpty() ? "success" : "failure", PruneReport.auditDetails(r));
    }
}
