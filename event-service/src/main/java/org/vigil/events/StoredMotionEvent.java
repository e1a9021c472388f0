package org.vigil.events;

import java.time.Instant;
import java.util.List;

/**
 * A motion event as stored: one row per event, folded from its start, updates and end.
 *
 * @param boxesJson   the latest moving regions, as the JSON array stored
 * @param endedAt     {@code null} while the event is still going on
 * @param labels      what detectors recognised during the event, e.g. {@code [person]}
 * @param hasSnapshot whether a snapshot of its start is stored
 */
public record StoredMotionEvent(String eventId, String cameraId, String site, Instant startedAt, Instant lastAt,
        Instant endedAt, double score, String boxesJson, String zone, List<String> labels, boolean hasSnapshot) {
}
