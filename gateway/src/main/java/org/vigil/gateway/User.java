package org.vigil.gateway;

import java.time.Instant;
import java.util.List;

/** A local account as stored (the password only as its Argon2id hash). */
public record User(String username, String passwordHash, String role, List<String> sites, boolean disabled,
        Instant createdAt, String createdBy) {
}
