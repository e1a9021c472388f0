package org.vigil.events.rest;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.ForbiddenException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.jwt.Claim;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.vigil.contracts.Access;
import org.vigil.events.EventPage;
import org.vigil.events.IndexedSegment;
import org.vigil.events.RecordingSpan;
import org.vigil.events.ReviewState;
import org.vigil.events.StatusChange;
import org.vigil.events.StoredMotionEvent;
import org.vigil.events.service.EventQueries;
import org.vigil.events.service.EventReviews;
import org.vigil.events.sites.SiteContact;
import org.vigil.events.sites.SiteStatus;

/**
 * Queries over the event store. The caller's role and sites come from the bearer token and are checked here,
 * whatever the gateway already checked. Anything on a site the caller may not see answers as if it did not exist.
 */
@Path("/api")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Access.VIEWER, Access.OPERATOR, Access.ADMIN})
public class EventResource {

    static final int MAX_LIMIT = 500;
    static final int MAX_SITES = 100;
    private static final Instant BEGINNING = Instant.EPOCH;
    private static final Instant END = Instant.parse("9999-12-31T00:00:00Z");
    private static final Pattern TYPE = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    @Inject
    EventQueries queries;

    @Inject
    EventReviews reviews;

    @Inject
    JsonWebToken token;

    @Inject
    io.quarkus.security.identity.SecurityIdentity identity;

    @Inject
    SiteContact siteContact;

    @Inject
    @Claim(Access.SITES_CLAIM)
    Set<String> sites;

    /** Events newest first, filtered, in pages. */
    @GET
    @Path("/events")
    @Operation(summary = "Motion events, newest first, with keyset pagination")
    public Uni<EventPage> events(
            @Parameter(description = "one site (default: every site you may see)") @QueryParam("site") String site,
            @Parameter(description = "one camera id") @QueryParam("camera") String camera,
            @Parameter(description = "motion (all events, the default) or a detected label such as person")
            @QueryParam("type") String type,
            @Parameter(description = "one zone of the camera, by name") @QueryParam("zone") String zone,
            @Parameter(description = "by review state: mine (marked reviewed by you), notmine, team (marked reviewed "
                    + "for the team) or notteam") @QueryParam("reviewed") String reviewed,
            @Parameter(description = "events starting at or after (ISO-8601 UTC)") @QueryParam("from") String from,
            @Parameter(description = "events starting before (ISO-8601 UTC)") @QueryParam("to") String to,
            @Parameter(description = "page size, 1 to 500 (default 50)") @QueryParam("limit") String limit,
            @Parameter(description = "the next value of the previous page") @QueryParam("cursor") String cursor) {
        int n = limit(limit, 50);
        Instant f = instant("from", from, BEGINNING);
        Instant t = instant("to", to, END);
        if (!f.isBefore(t)) {
            throw new BadRequest("to", "must be after from");
        }
        if (camera != null && !ID.matcher(camera).matches()) {
            throw new BadRequest("camera", "must be a camera id (letters, digits, '.', '_', '-'), got '" + camera + "'");
        }
        String label = null;
        if (type != null && !type.equals("motion")) {
            if (!TYPE.matcher(type).matches()) {
                throw new BadRequest("type", "must be motion or a label such as person, got '" + type + "'");
            }
            label = type;
        }
        if (zone != null && (zone.isEmpty() || zone.length() > 64 || zone.chars().anyMatch(ch -> ch < ' '))) {
            throw new BadRequest("zone", "must be a zone's name (1 to 64 characters)");
        }
        ReviewState state = reviewed == null ? null : ReviewState.of(reviewed);
        if (reviewed != null && state == null) {
            throw new BadRequest("reviewed", "must be mine, notmine, team or notteam, got '" + reviewed + "'");
        }
        EventQueries.Cursor c = null;
        if (cursor != null) {
            try {
                c = EventQueries.Cursor.decode(cursor);
            } catch (RuntimeException e) {
                throw new BadRequest("cursor", "is not a cursor from a previous page");
            }
        }
        return queries.events(scope(site), camera, label, zone, state, token.getName(), f, t, c, n);
    }

    /**
     * Marks events reviewed (or not) by the caller, and for the team too with {@code team} (operators and admins).
     * All or nothing: an unknown event, or one of a site the caller may not see, fails the whole request (404, naming
     * none of the others). Marking twice changes nothing. Audited, in the same transaction.
     */
    @POST
    @Path("/events/reviews")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Mark events reviewed or not, by you and optionally for the team")
    public Uni<ReviewResult> review(ReviewRequest body) {
        if (body == null || body.events() == null || body.events().isEmpty() || body.events().size() > MAX_LIMIT) {
            throw new BadRequest("events", "must list 1 to " + MAX_LIMIT + " event ids");
        }
        if (body.reviewed() == null) {
            throw new BadRequest("reviewed", "must be true or false");
        }
        boolean team = Boolean.TRUE.equals(body.team());
        if (team && !(identity.hasRole(Access.OPERATOR) || identity.hasRole(Access.ADMIN))) {
            throw new ForbiddenException("only operators and admins mark events reviewed for the team");
        }
        Set<UUID> ids = new java.util.LinkedHashSet<>();
        for (String id : body.events()) {
            ids.add(uuid(id));
        }
        return reviews.mark(ids, sites, token.getName(), body.reviewed(), team).map(done -> {
            if (!done) {
                // one answer for missing and off-site alike
                throw new NotFoundException("an event of the list is not on your sites");
            }
            return new ReviewResult(ids.size(), body.reviewed(), team);
        });
    }

    /** What to mark: {@code {"events": [ids], "reviewed": true, "team": false}}. */
    public record ReviewRequest(List<String> events, Boolean reviewed, Boolean team) {
    }

    /** What was marked. */
    public record ReviewResult(int events, boolean reviewed, boolean team) {
    }

    @GET
    @Path("/events/{id}")
    @Operation(summary = "One event; its snapshot is at /events/{id}/snapshot when hasSnapshot")
    public Uni<StoredMotionEvent> event(@PathParam("id") String id) {
        return queries.motion(uuid(id), token.getName()).map(this::visible);
    }

    @GET
    @Path("/events/{id}/snapshot")
    @Produces("image/jpeg")
    @Operation(summary = "The JPEG of the frame where the event started")
    public Uni<byte[]> snapshot(@PathParam("id") String id) {
        UUID uuid = uuid(id);
        return queries.motion(uuid, token.getName()).map(this::visible).chain(e -> queries.snapshot(uuid)).map(jpeg -> {
            if (jpeg == null) {
                throw new NotFoundException("event " + id + " has no snapshot");
            }
            return jpeg;
        });
    }

    /** Indexed segments of a camera overlapping a time range, oldest first. */
    @GET
    @Path("/segments")
    @Operation(summary = "Recording segments of a camera overlapping a time range, oldest first")
    public Uni<List<IndexedSegment>> segments(@QueryParam("camera") String camera, @QueryParam("from") String from,
            @QueryParam("to") String to, @QueryParam("limit") String limit) {
        if (camera == null || camera.isBlank()) {
            throw new BadRequest("camera", "required: the camera id");
        }
        Instant f = instant("from", from, BEGINNING);
        Instant t = instant("to", to, END);
        if (!f.isBefore(t)) {
            throw new BadRequest("to", "must be after from");
        }
        return queries.segments(camera, f, t, limit(limit, 100))
                .map(list -> list.stream().filter(s -> Access.siteAllowed(sites, s.site())).toList());
    }

    /**
     * A camera's recordings as spans without gaps (segments closer than {@code gap} ms, default 2000, are one span):
     * what a timeline draws for a day, whatever the segment length.
     */
    @GET
    @Path("/segments/spans")
    @Operation(summary = "A camera's recordings in a time range as spans without gaps, oldest first")
    public Uni<List<RecordingSpan>> spans(@QueryParam("camera") String camera, @QueryParam("from") String from,
            @QueryParam("to") String to, @QueryParam("gap") String gap) {
        if (camera == null || !ID.matcher(camera).matches()) {
            throw new BadRequest("camera", "required: a camera id");
        }
        Instant f = instant("from", from, null);
        Instant t = instant("to", to, null);
        if (f == null || t == null || !f.isBefore(t)) {
            throw new BadRequest("to", "from and to are required, to after from");
        }
        if (java.time.Duration.between(f, t).compareTo(java.time.Duration.ofDays(8)) > 0) {
            throw new BadRequest("to", "the range may be at most 8 days");
        }
        long gapMs = 2000;
        if (gap != null) {
            try {
                gapMs = Long.parseLong(gap);
            } catch (NumberFormatException e) {
                gapMs = -1;
            }
            if (gapMs < 0 || gapMs > 3_600_000) {
                throw new BadRequest("gap", "must be 0 to 3600000 milliseconds");
            }
        }
        return queries.spans(camera, f, t, java.time.Duration.ofMillis(gapMs),
                sites.contains(Access.ALL_SITES) ? null : sites, 10_000);
    }

    /** The latest status of every camera the caller may see. */
    @GET
    @Path("/cameras/status")
    @Operation(summary = "The latest status of every camera you may see")
    public Uni<List<StatusChange>> statuses() {
        return queries.latestStatuses(scope(null));
    }

    /** Every site the caller may see: contact, clock skew, storage (design 0017). */
    @GET
    @Path("/sites/status")
    @Operation(summary = "Each site you may see: connected or disconnected since when, clock skew, storage")
    public Uni<List<SiteStatus>> siteStatuses(
            @Parameter(description = "one site (default: every site you may see)") @QueryParam("site") String site) {
        return siteContact.sites(scope(site));
    }

    /** A camera's state changes, newest first. */
    @GET
    @Path("/cameras/{camera}/status")
    @Operation(summary = "A camera's status changes in a time range, newest first")
    public Uni<List<StatusChange>> statusHistory(@PathParam("camera") String camera, @QueryParam("from") String from,
            @QueryParam("to") String to, @QueryParam("limit") String limit) {
        if (!ID.matcher(camera).matches()) {
            throw new BadRequest("camera", "must be a camera id, got '" + camera + "'");
        }
        Instant f = instant("from", from, BEGINNING);
        Instant t = instant("to", to, END);
        if (!f.isBefore(t)) {
            throw new BadRequest("to", "must be after from");
        }
        return queries.statusHistory(camera, f, t, limit(limit, 100))
                .map(list -> list.stream().filter(s -> Access.siteAllowed(sites, s.site())).toList());
    }

    /** What a live view starts from: the newest events and every camera's status, on the caller's sites. */
    public record LiveSnapshot(List<StoredMotionEvent> events, List<StatusChange> statuses) {
    }

    @GET
    @Path("/live/snapshot")
    @Operation(summary = "The newest events and all camera statuses you may see (what /ws starts with)")
    public Uni<LiveSnapshot> liveSnapshot(@QueryParam("limit") String limit) {
        Set<String> scope = scope(null);
        return queries.events(scope, null, null, null, null, token.getName(), BEGINNING, END, null, limit(limit, 50))
                .chain(page -> queries.latestStatuses(scope).map(st -> new LiveSnapshot(page.items(), st)));
    }

    /** The sites to search: one (checked), or every site of the caller ({@code null} = all sites). */
    private Set<String> scope(String site) {
        boolean all = sites.contains(Access.ALL_SITES);
        if (site != null) {
            if (!Access.siteAllowed(sites, site)) {
                throw new ForbiddenException("no access to site " + site);
            }
            return Set.of(site);
        }
        if (!all && sites.size() > MAX_SITES) {
            throw new BadRequest("site", "you may see more than " + MAX_SITES + " sites: name one");
        }
        return all ? null : sites;
    }

    private StoredMotionEvent visible(StoredMotionEvent e) {
        if (e == null || !Access.siteAllowed(sites, e.site())) {
            // same answer as a missing event: do not reveal what exists on other sites
            throw new NotFoundException("no such event");
        }
        return e;
    }

    /** A page size from 1 to {@value #MAX_LIMIT}, {@code fallback} when absent; 400 otherwise. */
    static int limit(String s, int fallback) {
        if (s == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(s);
            if (n < 1 || n > MAX_LIMIT) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BadRequest("limit", "must be a whole number from 1 to " + MAX_LIMIT + ", got '" + s + "'");
        }
    }

    private static UUID uuid(String s) {
        try {
            return UUID.fromString(s);
        } catch (IllegalArgumentException e) {
            throw new BadRequest("id", "must be an event id (UUID), got '" + s + "'");
        }
    }

    /** An ISO-8601 UTC time, {@code fallback} when absent; 400 naming the parameter otherwise. */
    static Instant instant(String name, String s, Instant fallback) {
        if (s == null || s.isBlank()) {
            return fallback;
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new BadRequest(name, "must be an ISO-8601 UTC time like 2026-11-28T08:00:00Z, got '" + s + "'");
        }
    }
}
