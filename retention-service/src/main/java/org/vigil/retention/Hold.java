package org.vigil.retention;

import java.time.Instant;
import java.util.List;

/**
 * A legal hold: footage and events of {@code cameras} in [from, to) must not be deleted while it is active (not
 * released, not expired). {@code kind} says what was held: a camera and range, one event ({@code eventId}: its span
 * on its camera), or one export ({@code exportId}: every camera of the export over its range).
 */
public record Hold(String id, String kind, List<String> cameras, List<String> sites, Instant from, Instant to,
        String eventId, String exportId, String caseId, String reason, String placedBy, Instant placedAt,
        Instant expiresAt, String releasedBy, Instant releasedAt) {

    public Hold {
        cameras = List.copyOf(cameras);
        sites = List.copyOf(sites);
    }

    public boolean active(Instant now) {
        return releasedAt == null && (expiresAt == null || expiresAt.isAfter(now));
    }
}
