package org.vigil.events.rest;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.eclipse.microprofile.jwt.Claim;
import org.vigil.contracts.Access;
import org.vigil.events.IndexedSegment;
import org.vigil.events.StoredMotionEvent;
import org.vigil.events.service.EventQueries;

import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ForbiddenException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * Queries over the event store. The caller's role and sites come from the bearer token and are checked here,
 * whatever the gateway already checked.
 */
@Path("/api")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Access.VIEWER, Access.OPERATOR, Access.ADMIN})
public class EventResource {

    static final int MAX_LIMIT = 500;

    @Inject
    EventQueries queries;

    @Inject
    @Claim(Access.SITES_CLAIM)
    Set<String> sites;

    /** The newest motion events on the caller's sites, or on one of them. */
    @GET
    @Path("/events")
    public Uni<List<StoredMotionEvent>> events(@QueryParam("site") String site, @QueryParam("limit") String limit) {
        int n = limit(limit, 50);
        if (site != null) {
            if (!Access.siteAllowed(sites, site)) {
                throw new ForbiddenException("no access to site " + site);
            }
            return queries.latestMotion(Set.of(site), false, n);
        }
        return queries.latestMotion(sites, sites.contains(Access.ALL_SITES), n);
    }

    @GET
    @Path("/events/{id}")
    public Uni<StoredMotionEvent> event(@PathParam("id") String id) {
        return queries.motion(uuid(id)).map(this::visible);
    }

    @GET
    @Path("/events/{id}/snapshot")
    @Produces("image/jpeg")
    public Uni<byte[]> snapshot(@PathParam("id") String id) {
        UUID uuid = uuid(id);
        return queries.motion(uuid).map(this::visible).chain(e -> queries.snapshot(uuid)).map(jpeg -> {
            if (jpeg == null) {
                throw new NotFoundException("event " + id + " has no snapshot");
            }
            return jpeg;
        });
    }

    /** Indexed segments of a camera overlapping a time range, oldest first. */
    @GET
    @Path("/segments")
    public Uni<List<IndexedSegment>> segments(@QueryParam("camera") String camera, @QueryParam("from") String from,
            @QueryParam("to") String to, @QueryParam("limit") String limit) {
        if (camera == null || camera.isBlank()) {
            throw new BadRequest("camera", "required: the camera id");
        }
        Instant f = instant("from", from, Instant.EPOCH);
        Instant t = instant("to", to, Instant.parse("9999-12-31T00:00:00Z"));
        if (!f.isBefore(t)) {
            throw new BadRequest("to", "must be after from");
        }
        return queries.segments(camera, f, t, limit(limit, 100))
                .map(list -> list.stream().filter(s -> Access.siteAllowed(sites, s.site())).toList());
    }

    private StoredMotionEvent visible(StoredMotionEvent e) {
        if (e == null) {
            throw new NotFoundException("no such event");
        }
        if (!Access.siteAllowed(sites, e.site())) {
            // same answer as a missing event: do not reveal what exists on other sites
            throw new NotFoundException("no such event");
        }
        return e;
    }

    private static int limit(String s, int fallback) {
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

    private static Instant instant(String name, String s, Instant fallback) {
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
