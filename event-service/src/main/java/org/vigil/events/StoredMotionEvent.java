package org.vigil.events;

import java.time.Instant;
import java.util.List;

/**
 * A motion event as stored: one row per event, folded from its start, updates and end, with its review state.
 *
 * @param boxesJson   the latest moving regions, as the JSON array stored
 * @param endedAt     {@code null} while the event is still going on
 * @param labels      what detectors recognised during the event, e.g. {@code [person]}
 * @param hasSnapshot whether a snapshot of its start is stored
 * @param reviewed    whether the user asking has marked it reviewed
 * @param teamReviewedBy who marked it reviewed for the team, or {@code null}
 * @param teamReviewedAt when, or {@code null}
 */
public record StoredMotionEvent(String eventId, String cameraId, String site, Instant startedAt, Instant lastAt,
        Instant endedAt, double score, String boxesJson, String zone, List<String> labels, boolean hasSnapshot,
        boolean reviewed, String teamReviewedBy, Instant teamReviewedAt) {
}
