package org.vigil.events.retention;

import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.StartupEvent;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.vigil.contracts.AuditEntry;
import org.vigil.events.config.EventRetentionConfig;
import org.vigil.runtime.audit.AuditPublisher;

/**
 * Retention of the event store, owned by the service that owns it (design 0016): events and ai_data go by whole days
 * past RETENTION_EVENTS_DAYS and RETENTION_AI_DATA_DAYS, never what a legal hold covers. Runs every
 * RETENTION_INTERVAL (the first soon after start, which finishes what a crash left) and when an admin asks; one
 * instance at a time (an advisory lock); every real run is audited with its report.
 *
 * <p>Holds are read through retention-service's versioned view. When it cannot be read (retention-service's migration
 * has not run yet, or its grant is missing) nothing is deleted: the run reports why, and the next one tries again.
 */
@Startup // made at start: a bad policy stops the service at start, and the metrics exist from the start
@ApplicationScoped
public class EventRetention {

    private static final Logger LOG = Logger.getLogger(EventRetention.class);

    /**
     * Rows of one event-store table deleted (or due), kept because held, days dropped or left (lock busy), and how
     * long it took.
     */
    public record Rows(long deleted, long keptHeld, int daysDropped, int daysBusy, long millis) {
    }

    /** What a run did, or a dry run would do: rows per table, and what it could not do. */
    public record Report(boolean dryRun, boolean ran, String trigger, Instant at, int eventsDays, int aiDataDays,
            Map<String, Rows> events, List<String> warnings, List<String> errors, long millis) {
    }

    private final EventTablePruner pruner;
    private final EventPruneRepository repository;
    private final EventRetentionConfig config;
    private final AuditPublisher audit;
    private final MeterRegistry metrics;
    private final InstantSource clock;
    private volatile Report last;
    private ScheduledExecutorService schedule;

    public EventRetention(EventTablePruner pruner, EventPruneRepository repository, EventRetentionConfig config,
            AuditPublisher audit, MeterRegistry metrics, InstantSource clock) {
        this.pruner = pruner;
        this.repository = repository;
        this.config = config;
        this.audit = audit;
        this.metrics = metrics;
        this.clock = clock;
        pruner.eventsDays(); // the policy is checked now, not at the first run
        if (config.interval().isNegative()) {
            throw new IllegalArgumentException("RETENTION_INTERVAL: '" + config.interval()
                    + "' is negative (0 runs only when an admin asks)");
        }
        Gauge.builder("vigil_events_retention_last_run_timestamp_seconds", this,
                r -> r.last == null ? Double.NaN : r.last.at().getEpochSecond()).strongReference(true)
                .register(metrics);
    }

    void start(@Observes StartupEvent e) {
        if (config.interval().isZero()) {
            return;
        }
        schedule = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "events-retention"));
        long first = Math.min(60, config.interval().toSeconds());
        schedule.scheduleWithFixedDelay(() -> {
            try {
                run("system", "schedule");
            } catch (RuntimeException ex) {
                LOG.errorf(ex, "scheduled event retention run failed: %s", ex.getMessage());
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

    /** What a run would delete now, per table, and how much of it is held; nothing changes. */
    public Report dryRun() {
        Instant now = clock.instant();
        long t0 = System.nanoTime();
        List<String> errors = new ArrayList<>();
        Map<String, Rows> rows = Map.of();
        try {
            rows = pruner.due(now);
        } catch (PgException e) {
            errors.add(holdsUnreadable(e));
        }
        return report(true, true, "dry_run", now, rows, List.of(), errors, t0);
    }

    /** Prunes now, unless another run is going on ({@code ran} false). */
    public Report run(String actor, String trigger) {
        Instant now = clock.instant();
        long t0 = System.nanoTime();
        List<String> warnings = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        Map<String, Rows> rows = new LinkedHashMap<>();
        boolean ran = repository.withPruneLock(() -> {
            try {
                rows.putAll(pruner.prune(now, warnings));
            } catch (PgException e) {
                errors.add(holdsUnreadable(e));
            }
        });
        if (!ran) {
            LOG.info("event retention: another run is pruning; this one is skipped");
            return report(false, false, trigger, now, Map.of(), List.of("another run was pruning"), List.of(), t0);
        }
        Report r = report(false, true, trigger, now, rows, warnings, errors, t0);
        last = r;
        r.events().forEach((table, x) -> metrics.counter("vigil_retention_deleted_rows_total", "table", table)
                .increment(x.deleted()));
        metrics.timer("vigil_events_retention_run_seconds").record(r.millis(), TimeUnit.MILLISECONDS);
        Map<String, String> details = new LinkedHashMap<>();
        details.put("trigger", trigger);
        details.put("eventsDays", Integer.toString(r.eventsDays()));
        details.put("aiDataDays", Integer.toString(r.aiDataDays()));
        r.events().forEach((table, x) -> details.put(table, Long.toString(x.deleted())));
        details.put("warnings", Integer.toString(r.warnings().size()));
        details.put("errors", Integer.toString(r.errors().size()));
        audit.record(actor, "retention.events.run", AuditEntry.SYSTEM + "events-retention", null,
                errors.isEmpty() ? "success" : "failure", details);
        StringBuilder summary = new StringBuilder();
        r.events().forEach((t, x) -> summary.append(summary.length() == 0 ? "" : ", ").append(x.deleted()).append(' ')
                .append(t));
        if (errors.isEmpty()) {
            LOG.infof("event retention (%s): removed %s in %d ms", trigger,
                    summary.length() == 0 ? "no rows" : summary, r.millis());
        } else {
            LOG.errorf("event retention (%s): nothing deleted: %s", trigger, String.join("; ", errors));
        }
        return r;
    }

    private Report report(boolean dryRun, boolean ran, String trigger, Instant now, Map<String, Rows> rows,
            List<String> warnings, List<String> errors, long t0) {
        return new Report(dryRun, ran, trigger, now, pruner.eventsDays(), pruner.aiDataDays(),
                java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rows)),
                List.copyOf(warnings), List.copyOf(errors), (System.nanoTime() - t0) / 1_000_000);
    }

    /** Holds could not be read or locked: nothing is deleted without them. Any other database error is thrown. */
    private static String holdsUnreadable(PgException e) {
        // undefined_table, undefined_function, insufficient_privilege, invalid_schema_name
        if (List.of("42P01", "42883", "42501", "3F000").contains(e.getSqlState())
                && String.valueOf(e.getErrorMessage()).matches("(?s).*(retention|v1_active_holds|v1_lock_holds).*")) {
            return "the legal holds cannot be read (" + e.getErrorMessage() + "): start retention-service, whose "
                    + "migration grants retention.v1_active_holds and retention.v1_lock_holds() to this service";
        }
        throw e;
    }
}
