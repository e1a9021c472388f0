package org.vigil.gateway.rest;

import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.vigil.contracts.Access;
import org.vigil.gateway.Layout;
import org.vigil.gateway.cameras.CameraAdmin;
import org.vigil.gateway.security.SessionAuthMechanism;
import org.vigil.gateway.security.TokenService;
import org.vigil.gateway.service.Layouts;

/**
 * A user's saved Live layouts (design 0020 §4): camera groups in an order, with the grid's columns. Every role keeps
 * its own; nobody reads another's. A layout names only cameras of the caller's sites (checked when saved; a camera
 * later moved away is simply not shown).
 */
@Path("/api/layouts")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Access.VIEWER, Access.OPERATOR, Access.ADMIN})
@Blocking
public class LayoutResource {

    static final int MAX_CAMERAS = 64;
    static final int MAX_COLUMNS = 8;

    /** A layout to save: {@code {"cameras": ["cam-a", ...], "columns": 2}} (0 columns: as many as fit). */
    public record LayoutBody(List<String> cameras, Integer columns) {
    }

    private final Layouts layouts;
    private final CameraAdmin cameras;
    private final SecurityIdentity identity;
    private final InstantSource clock;

    public LayoutResource(Layouts layouts, CameraAdmin cameras, SecurityIdentity identity,
            InstantSource clock) {
        this.layouts = layouts;
        this.cameras = cameras;
        this.identity = identity;
        this.clock = clock;
    }

    @GET
    public List<Layout> list() {
        return layouts.of(caller().username());
    }

    @PUT
    @Path("/{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response put(@PathParam("name") String name, LayoutBody body) {
        if (name == null || name.isBlank() || name.length() > 64 || name.chars().anyMatch(ch -> ch < ' ' || ch == 0x7f)) {
            return bad("name", "a layout's name is 1 to 64 characters, without control characters");
        }
        if (body == null || body.cameras() == null || body.cameras().isEmpty()
                || body.cameras().size() > MAX_CAMERAS) {
            return bad("cameras", "a layout holds 1 to " + MAX_CAMERAS + " cameras");
        }
        int columns = body.columns() == null ? 0 : body.columns();
        if (columns < 0 || columns > MAX_COLUMNS) {
            return bad("columns", "columns are 0 (as many as fit) to " + MAX_COLUMNS);
        }
        TokenService.Caller caller = caller();
        Set<String> ids = new LinkedHashSet<>();
        List<String> unknown = new ArrayList<>();
        for (String id : body.cameras()) {
            // one answer for a camera that does not exist and one of another site
            if (id == null || cameras.get(caller, id).isEmpty()) {
                unknown.add(String.valueOf(id));
            } else {
                ids.add(id);
            }
        }
        if (!unknown.isEmpty()) {
            return bad("cameras", "no camera " + String.join(", ", unknown) + " on your sites");
        }
        Layout l = new Layout(name, List.copyOf(ids), columns, clock.instant().truncatedTo(ChronoUnit.MILLIS));
        return switch (layouts.save(caller.username(), l)) {
            case CREATED -> Response.status(201).entity(l).build();
            case REPLACED -> Response.ok(l).build();
            case TOO_MANY -> Errors.of(409, "too_many", "you keep " + Layouts.MAX_LAYOUTS + " layouts at most: "
                    + "remove one first");
        };
    }

    @DELETE
    @Path("/{name}")
    public Response delete(@PathParam("name") String name) {
        return layouts.remove(caller().username(), name) ? Response.noContent().build()
                : Errors.of(404, "not_found", "no layout " + name);
    }

    private TokenService.Caller caller() {
        return identity.getAttribute(SessionAuthMechanism.CALLER);
    }

    private static Response bad(String field, String message) {
        return Response.status(400).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", "bad_request", "field", field, "message", message)).build();
    }
}
