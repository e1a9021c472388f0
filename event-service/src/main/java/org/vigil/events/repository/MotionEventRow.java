package org.vigil.events.repository;

import java.time.Instant;

/** A stored motion event, as the query API returns it; {@code boxes} is the JSON array as stored. */
public record MotionEventRow(String eventId, String cameraId, String site, Instant startedAt, Instant lastAt,
        Instant endedAt, double score, String boxesJson, String zone, boolean hasSnapshot) {
}
