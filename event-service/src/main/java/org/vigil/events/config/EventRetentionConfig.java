package org.vigil.events.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Retention of the event store, event-service's own (the environment names are mapped in application.properties and
 * are the ones operators already use; retention-service keeps the recordings).
 */
@ConfigMapping(prefix = "vigil.events.retention")
public interface EventRetentionConfig {

    /** RETENTION_EVENTS_DAYS (RETENTION_DAYS unless set): how long motion events, snapshots and status history stay. */
    @WithDefault("30")
    int eventsDays();

    /** RETENTION_AI_DATA_DAYS (RETENTION_DAYS unless set): how long detector output (detections) stays. */
    @WithDefault("30")
    int aiDataDays();

    /** RETENTION_INTERVAL: how often a run starts by itself (0: only when an admin asks). */
    @WithDefault("1h")
    Duration interval();
}
