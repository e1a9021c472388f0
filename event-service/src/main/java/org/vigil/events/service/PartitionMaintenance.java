package org.vigil.events.service;

import java.time.Duration;

import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.vigil.events.repository.IngestWriter;

/**
 * Keeps a week of day partitions ready ahead of time (and two days back, for late messages), at start and every hour;
 * several instances may do it at once (the database function takes a lock).
 */
@ApplicationScoped
public class PartitionMaintenance {

    private static final Logger LOG = Logger.getLogger(PartitionMaintenance.class);
    static final int DAYS_BACK = 2;
    static final int DAYS_AHEAD = 7;

    private final IngestWriter writer;

    public PartitionMaintenance(IngestWriter writer) {
        this.writer = writer;
    }

    void onStart(@Observes StartupEvent e, Vertx vertx) {
        run();
        vertx.setPeriodic(Duration.ofHours(1).toMillis(), id -> run());
    }

    void run() {
        writer.ensurePartitions(DAYS_BACK, DAYS_AHEAD).subscribe().with(
                n -> {
                    if (n > 0) {
                        LOG.infof("created %d day partitions", n);
                    }
                },
                e -> LOG.warnf("cannot create day partitions now (%s); retrying within the hour", e.getMessage()));
    }
}
