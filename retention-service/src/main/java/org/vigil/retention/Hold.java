package org.vigil.retention;

import java.time.Instant;

/**
 * A legal hold: footage of {@code cameraId} in [from, to) must not be deleted while it is active. A hold on an event
 * covers that event's span on its camera ({@code eventId} set).
 */
public record Hold(String id, String kind, String cameraId, String site, Instant from, Instant to, String eventId,
        String caseId, String reason, String placedBy, Instant placedAt, Instant expiresAt, String releasedBy,
        Instant releasedAt) {

    public boolean active(Instant now) {
        return releasedAt == null && (expiresAt == null || expiresAt.isAfter(now));
    }
}
