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
 * @param target  what was acted on, typed {@code kind:id} ({@link #CAMERA}, {@link #USER}, {@link #EXPORT}, {@link #TOKEN},
 *                {@link #SETTING}, {@link #SYSTEM}), so one kind's history cannot be filled with another's (a failed
 *                sign-in as "cam1" is {@code user:cam1}, never in camera cam1's trail); entries written before
 *                version 0.2 carry a bare id; may be {@code null}
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

    /** Target kinds: a camera id, a user name, an export id, an API token id, a setting's name, a system task. */
    public static final String CAMERA = "camera:";
    public static final String USER = "user:";
    public static final String EXPORT = "export:";
    public static final String TOKEN = "token:";
    public static final String SETTING = "setting:";
    public static final String SYSTEM = "system:";

    public AuditEntry {
        details = details == null ? Map.of() : Map.copyOf(details);
    }
}
