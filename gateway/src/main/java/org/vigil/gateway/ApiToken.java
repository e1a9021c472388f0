package org.vigil.gateway;

import java.time.Instant;
import java.util.List;

/**
 * An integrator's API token as stored (its secret only as a SHA-256 hash).
 *
 * @param creatorWithdrawn the local admin who created it has since been disabled or is no longer an admin: the
 *                         token stops working (it is not revoked: re-enabling the admin brings it back)
 */
public record ApiToken(String id, String name, String secretHash, String role, List<String> sites,
        Instant createdAt, String createdBy, Instant expiresAt, Instant lastUsedAt, Instant revokedAt,
        boolean creatorWithdrawn) {
}
