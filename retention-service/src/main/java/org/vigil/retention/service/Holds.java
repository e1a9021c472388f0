package org.vigil.retention.service;

import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.contracts.Access;
import org.vigil.contracts.AuditEntry;
import org.vigil.retention.Hold;
import org.vigil.retention.repository.HoldRepository;
import org.vigil.runtime.audit.AuditPublisher;

/**
 * Legal holds: operators place them (a camera and range, an event, or an export), admins release them, on their sites;
 * both are audited with each held camera as target, so an export's audit excerpt shows the holds on its footage.
 */
@ApplicationScoped
public class Holds {

    private static final Pattern CAMERA = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** Who asks. */
    public record Caller(String name, List<String> sites) {
    }

    /** What to hold: {@code exportId}, {@code eventId}, or {@code cameraId} with from and to. */
    public record Request(String cameraId, Instant from, Instant to, String eventId, String exportId, String caseId,
            String reason, Instant expiresAt) {
    }

    /** A refused request. */
    public static final class Refused extends RuntimeException {
        public final int status;
        public final String field;

        public Refused(int status, String field, String message) {
            super(message);
            this.status = status;
            this.field = field;
        }
    }

    private final HoldRepository holds;
    private final InstantSource clock;
    private final AuditPublisher audit;

    private final jakarta.enterprise.event.Event<Changed> changed;

    /** Fired after a hold is placed or released: what is held has changed (the status page's figures). */
    public record Changed(String holdId) {
    }

    public Holds(HoldRepository holds, AuditPublisher audit, jakarta.enterprise.event.Event<Changed> changed, InstantSource clock) {
        this.clock = clock;
        this.holds = holds;
        this.audit = audit;
        this.changed = changed;
    }

    public Hold place(Caller caller, Request r) {
        if (r == null || r.caseId() == null || r.caseId().isBlank() || r.caseId().length() > 100) {
            throw new Refused(400, "caseId", "a case id of 1 to 100 characters is required");
        }
        if (r.reason() == null || r.reason().strip().length() < 3 || r.reason().length() > 500) {
            throw new Refused(400, "reason", "a reason of 3 to 500 characters is required");
        }
        Instant now = clock.instant();
        if (r.expiresAt() != null && !r.expiresAt().isAfter(now)) {
            throw new Refused(400, "expiresAt", "expiresAt must be in the future (or absent: until released)");
        }
        String id = UUID.randomUUID().toString();
        String caseId = r.caseId().strip();
        String reason = r.reason().strip();
        Hold h;
        if (r.exportId() != null) {
            HoldRepository.ExportSpan e = parseUuid(r.exportId()) ? holds.export(r.exportId()).orElse(null) : null;
            if (e == null || !e.sites().stream().allMatch(site -> Access.siteAllowed(caller.sites(), site))) {
                throw new Refused(404, "exportId", "no finished export " + r.exportId() + " on your sites");
            }
            h = new Hold(id, "export", e.cameras(), e.sites(), e.from(), e.to(), null, r.exportId(), caseId, reason,
                    caller.name(), now, r.expiresAt(), null, null);
        } else if (r.eventId() != null) {
            HoldRepository.EventSpan e = parseUuid(r.eventId()) ? holds.event(r.eventId()).orElse(null) : null;
            if (e == null || !Access.siteAllowed(caller.sites(), e.site())) {
                throw new Refused(404, "eventId", "no event " + r.eventId() + " on your sites");
            }
            h = new Hold(id, "event", List.of(e.cameraId()), List.of(e.site()), e.from(),
                    e.to().isAfter(e.from()) ? e.to() : e.from().plusSeconds(1), r.eventId(), null, caseId, reason,
                    caller.name(), now, r.expiresAt(), null, null);
        } else {
            if (r.cameraId() == null || !CAMERA.matcher(r.cameraId()).matches()) {
                throw new Refused(400, "cameraId", "give cameraId with from and to, eventId, or exportId");
            }
            if (r.from() == null || r.to() == null || !r.to().isAfter(r.from())) {
                throw new Refused(400, "to", "give from and to (ISO-8601 UTC), to after from");
            }
            String site = holds.siteOf(r.cameraId()).orElse(null);
            if (site == null || !Access.siteAllowed(caller.sites(), site)) {
                throw new Refused(404, "cameraId", "no recordings of camera " + r.cameraId() + " on your sites");
            }
            h = new Hold(id, "range", List.of(r.cameraId()), List.of(site), r.from(), r.to(), null, null, caseId,
                    reason, caller.name(), now, r.expiresAt(), null, null);
        }
        Map<String, String> details = new LinkedHashMap<>();
        details.put("hold", h.id());
        details.put("case", h.caseId());
        details.put("reason", h.reason());
        details.put("from", h.from().toString());
        details.put("to", h.to().toString());
        if (h.eventId() != null) {
            details.put("event", h.eventId());
        }
        if (h.exportId() != null) {
            details.put("export", h.exportId());
        }
        if (h.expiresAt() != null) {
            details.put("expires", h.expiresAt().toString());
        }
        holds.insert(h, audited(caller.name(), "hold.place", h, details));
        changed.fire(new Changed(h.id()));
        return h;
    }

    public List<Hold> list(Caller caller) {
        return holds.all().stream().filter(h -> visible(caller, h)).toList();
    }

    public Hold release(Caller caller, String id) {
        Hold h = (parseUuid(id) ? holds.find(id) : java.util.Optional.<Hold>empty())
                .filter(x -> visible(caller, x))
                .orElseThrow(() -> new Refused(404, "id", "no hold " + id + " on your sites"));
        Instant now = clock.instant();
        if (!holds.release(id, caller.name(), now, audited(caller.name(), "hold.release", h, Map.of("hold", id, "case",
                h.caseId())))) {
            throw new Refused(409, "id", "hold " + id + " was released already");
        }
        changed.fire(new Changed(id));
        return holds.find(id).orElseThrow();
    }

    /** A hold is shown and released only by those who may see every site it covers. */
    private static boolean visible(Caller caller, Hold h) {
        return h.sites().stream().allMatch(site -> Access.siteAllowed(caller.sites(), site));
    }

    /**
     * One audit entry per held camera, so each camera's audit trail (and its exports' excerpts) shows the hold: stored
     * in the transaction that places or releases it, so a hold never changes without its entries.
     */
    private Function<SqlConnection, Uni<Void>> audited(String actor, String action, Hold h,
            Map<String, String> details) {
        String site = h.sites().size() == 1 ? h.sites().get(0) : null;
        List<AuditPublisher.Entry> entries = h.cameras().stream()
                .map(camera -> audit.entry(actor, action, AuditEntry.CAMERA + camera, site, "success", details))
                .toList();
        return tx -> audit.storeIn(tx, entries);
    }

    private static boolean parseUuid(String s) {
        try {
            UUID.fromString(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
