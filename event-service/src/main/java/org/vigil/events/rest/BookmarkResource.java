package org.vigil.events.rest;

import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.ForbiddenException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.Claim;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.vigil.contracts.Access;
import org.vigil.events.Bookmark;
import org.vigil.events.messaging.CameraSites;
import org.vigil.events.service.Bookmarks;

/**
 * Bookmarks (design 0020 §2): a moment of a camera with an operator's note. Operators and admins make them; every role
 * reads those of its sites; the author or an admin of the site removes one. Each change is audited (target
 * {@code camera:<id>}, so a camera's exports carry it in their audit excerpt) in the same transaction.
 */
@Path("/api/bookmarks")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Access.VIEWER, Access.OPERATOR, Access.ADMIN})
public class BookmarkResource {

    static final int MAX_NOTE = 500;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Instant BEGINNING = Instant.EPOCH;
    private static final Instant END = Instant.parse("9999-12-31T00:00:00Z");

    @Inject
    Bookmarks bookmarks;

    @Inject
    CameraSites cameras;

    @Inject
    InstantSource clock;

    @Inject
    JsonWebToken token;

    @Inject
    SecurityIdentity identity;

    @Inject
    @Claim(Access.SITES_CLAIM)
    Set<String> sites;

    /** What to mark: {@code {"camera": "...", "at": "ISO-8601", "note": "..."}}. */
    public record NewBookmark(String camera, String at, String note) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Access.OPERATOR, Access.ADMIN})
    @Operation(summary = "Mark a moment of a camera with a note (operators and admins)")
    public Uni<Response> create(NewBookmark body) {
        if (body == null) {
            throw new BadRequest("body", "must be {\"camera\", \"at\", \"note\"}");
        }
        if (body.camera() == null || !ID.matcher(body.camera()).matches()) {
            throw new BadRequest("camera", "must be a camera id");
        }
        Instant at = EventResource.instant("at", body.at(), null);
        if (at == null) {
            throw new BadRequest("at", "is required: an ISO-8601 UTC time like 2026-11-28T08:00:00Z");
        }
        String note = body.note() == null ? "" : body.note().strip();
        if (note.isEmpty() || note.length() > MAX_NOTE
                || note.chars().anyMatch(ch -> ch < ' ' && ch != '\n' && ch != '\t' || ch == 0x7f)) {
            throw new BadRequest("note", "must be 1 to " + MAX_NOTE + " characters, without control characters");
        }
        Instant now = clock.instant();
        if (at.isAfter(now.plusSeconds(60))) {
            throw new BadRequest("at", "is in the future");
        }
        String site = cameras.siteOf(body.camera()).orElse(null);
        if (site == null || !Access.siteAllowed(sites, site)) {
            // one answer for an unknown camera and another site's
            throw new NotFoundException("no camera " + body.camera() + " on your sites");
        }
        Bookmark b = new Bookmark(UUID.randomUUID().toString(), body.camera(), site, at.truncatedTo(ChronoUnit.MILLIS),
                note, token.getName(), now.truncatedTo(ChronoUnit.MILLIS));
        return bookmarks.create(b).map(saved -> Response.status(201).entity(saved).build());
    }

    @GET
    @Operation(summary = "Bookmarks of your sites, newest first: by camera, time range and words of the note")
    public Uni<List<Bookmark>> search(@QueryParam("camera") String camera, @QueryParam("q") String q,
            @QueryParam("from") String from, @QueryParam("to") String to, @QueryParam("limit") String limit) {
        if (camera != null && !ID.matcher(camera).matches()) {
            throw new BadRequest("camera", "must be a camera id");
        }
        if (q != null && (q.isBlank() || q.length() > 200)) {
            throw new BadRequest("q", "must be 1 to 200 characters");
        }
        Instant f = EventResource.instant("from", from, BEGINNING);
        Instant t = EventResource.instant("to", to, END);
        if (!f.isBefore(t)) {
            throw new BadRequest("to", "must be after from");
        }
        return bookmarks.search(sites.contains(Access.ALL_SITES) ? null : sites, camera, q == null ? null : q.strip(),
                f, t, EventResource.limit(limit, 100));
    }

    @DELETE
    @Path("/{id}")
    @RolesAllowed({Access.OPERATOR, Access.ADMIN})
    @Operation(summary = "Remove a bookmark (its author, or an admin of its site)")
    public Uni<Response> delete(@PathParam("id") String id) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new BadRequest("id", "must be a bookmark id (UUID)");
        }
        return bookmarks.get(uuid).chain(b -> {
            if (b == null || !Access.siteAllowed(sites, b.site())) {
                throw new NotFoundException("no such bookmark");
            }
            if (!b.createdBy().equals(token.getName()) && !identity.hasRole(Access.ADMIN)) {
                throw new ForbiddenException("only its author or an admin removes a bookmark");
            }
            return bookmarks.delete(b, token.getName());
        }).map(deleted -> deleted ? Response.noContent().build()
                : Response.status(404).type(MediaType.APPLICATION_JSON)
                        .entity(Map.of("error", "not_found", "message", "no such bookmark")).build());
    }
}
