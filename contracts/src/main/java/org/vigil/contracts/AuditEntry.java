package org.vigil.contracts;

import java.time.Instant;
import java.util.Map;

/**
 * A security-relevant action, as the service that performed it saw it. The event service appends these to the
 * hash-chained audit log in topic order.
 *
 * @param id      unique id (UUID), used to drop a redelivered entry
 * @param service the service that performed the action
 * @param actor   user name, API token name, or {@code system}
 * @param action  dotted verb, e.g. {@code auth.login}, {@code camera.recording.set}, {@code export.create}
 * @param target  what was acted on, e.g. a camera id or export id; may be {@code null}
 * @param site    the site concerned, or {@code null} when the action is not site-specific
 * @param outcome {@code success} or {@code denied} or {@code failure}
 * @param details small string facts (never secrets)
 */
public record AuditEntry(
        int v,
        String id,
        Instant at,
        String service,
        String actor,
        String action,
        String target,
        String site,
        String outcome,
        Map<String, String> details) {

    public static final int VERSION = 1;

    public AuditEntry {
        details = details == null ? Map.of() : Map.copyOf(details);
    }
}
