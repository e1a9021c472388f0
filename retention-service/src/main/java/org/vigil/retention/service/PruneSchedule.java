package org.vigil.retention.service;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.vigil.retention.config.RetentionConfig;

/** Runs the pruner every {@code vigil.retention.interval}, the first time within a minute of start. */
@ApplicationScoped
class PruneSchedule {

    private static final Logger LOG = Logger.getLogger(PruneSchedule.class);

    private final RetentionConfig config;
    private final Pruner pruner;
    private ScheduledExecutorService schedule;

    PruneSchedule(RetentionConfig config, Pruner pruner) {
        this.config = config;
        this.pruner = pruner;
    }


    void start(@Observes StartupEvent e) {
        if (config.interval().isZero()) {
            return;
        }
        schedule = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "retention-pruner"));
        long first = Math.min(60, config.interval().toSeconds()); // soon after start: finishes what a crash left
        schedule.scheduleWithFixedDelay(() -> {
            try {
                pruner.run("system", "schedule");
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
}
