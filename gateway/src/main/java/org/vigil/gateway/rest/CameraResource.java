package org.vigil.gateway.rest;

import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.vigil.contracts.Access;
import org.vigil.contracts.CameraConfig;
import org.vigil.gateway.cameras.CameraAdmin;
import org.vigil.gateway.cameras.CameraDetails;
import org.vigil.gateway.cameras.CameraInput;
import org.vigil.gateway.security.SessionAuthMechanism;
import org.vigil.gateway.security.TokenService;
import org.vigil.gateway.service.CaptureProbeClient;

/**
 * The camera API (design 0018 §1). Viewers and operators see the cameras of their sites without their addresses;
 * admins see every setting but a password, and add, change, disable, remove, import and export cameras of their
 * sites. Operators switch recording. Every change is audited with the camera before and after.
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class CameraResource {

    /**
     * A camera without its stream addresses or credentials: what every role may see, with its privacy masks (the live
     * view draws them over the picture for everyone; the recording keeps the original), and whether it has a
     * sub-stream (the live grid plays it natively).
     */
    public record CameraView(String id, String name, String site, boolean enabled, boolean recording,
            boolean subStream, List<org.vigil.contracts.Zone> masks, Instant updatedAt, String updatedBy) {
        static CameraView of(CameraConfig c) {
            return new CameraView(c.id(), c.name(), c.site(), c.enabled(), c.recording(),
                    c.subStreamUrl() != null && !c.subStreamUrl().isBlank(), c.masks(), c.updatedAt(), c.updatedBy());
        }
    }

    /** The body of a recording switch: {@code {"recording": true}}. */
    public record RecordingSwitch(Boolean recording) {
    }

    /** The body of an enable switch: {@code {"enabled": false}}. */
    public record EnabledSwitch(Boolean enabled) {
    }

    static final int DEFAULT_PAGE_SIZE = 50;
    static final int MAX_PAGE_SIZE = 500;

    private final CameraAdmin cameras;
    private final SecurityIdentity identity;
    private final CaptureProbeClient probes;

    public CameraResource(CameraAdmin cameras, SecurityIdentity identity, CaptureProbeClient probes) {
        this.cameras = cameras;
        this.identity = identity;
        this.probes = probes;
    }

    /**
     * The cameras of the caller's sites, by id (by site, then id, with {@code order=site}), matching {@code q} (in id
     * or name) and {@code site}. With {@code page} or {@code size}, one page (1-based; 50 a page unless asked, 500 at
     * most); the total is in {@code X-Total-Count}.
     */
    @GET
    @Path("/cameras")
    @RolesAllowed({Access.VIEWER, Access.OPERATOR, Access.ADMIN})
    @APIResponse(responseCode = "200", description = "CameraDetails for an admin, CameraView for other roles",
            content = @Content(schema = @Schema(type = SchemaType.ARRAY, oneOf = {CameraDetails.class,
                    CameraView.class})))
    public Response list(@QueryParam("q") String q, @QueryParam("site") String site, @QueryParam("page") Integer page,
            @QueryParam("size") Integer size, @QueryParam("order") String order) {
        if ((page != null && page < 1) || (size != null && (size < 1 || size > MAX_PAGE_SIZE))
                || (q != null && q.length() > 200) || (order != null && !order.equals("id") && !order.equals("site"))) {
            return Errors.of(400, "bad_request", "page is 1 or more, size 1 to " + MAX_PAGE_SIZE + ", q at most 200 "
                    + "characters, order id or site");
        }
        List<CameraConfig> found = cameras.find(caller(), q, site);
        if ("site".equals(order)) {
            found = found.stream().sorted(java.util.Comparator.comparing(CameraConfig::site)
                    .thenComparing(CameraConfig::id)).toList();
        }
        List<CameraConfig> shown = found;
        if (page != null || size != null) {
            int n = size == null ? DEFAULT_PAGE_SIZE : size;
            long from = (long) ((page == null ? 1 : page) - 1) * n;
            shown = from >= found.size() ? List.of() : found.subList((int) from, (int) Math.min(found.size(), from + n));
        }
        boolean admin = isAdmin();
        return Response.ok(shown.stream().map(c -> admin ? (Object) CameraDetails.of(c) : CameraView.of(c)).toList())
                .header("X-Total-Count", found.size()).build();
    }

    /** One camera: every setting for an admin, the plain view for others. 404 for one not on the caller's sites. */
    @GET
    @Path("/cameras/{id}")
    @RolesAllowed({Access.VIEWER, Access.OPERATOR, Access.ADMIN})
    @APIResponse(responseCode = "200", description = "CameraDetails for an admin, CameraView for other roles",
            content = @Content(schema = @Schema(oneOf = {CameraDetails.class, CameraView.class})))
    public Response get(@PathParam("id") String id) {
        return cameras.get(caller(), id).map(c -> Response.ok(isAdmin() ? CameraDetails.of(c) : CameraView.of(c))
                .build()).orElseGet(() -> Errors.of(404, "not_found", "no camera " + id + " on your sites"));
    }

    /**
     * Adds a camera: 201 with it; 400 naming each bad field; 403 off the caller's sites; 409 for a taken id. A camera
     * given its own {@code retentionDays} is previewed by retention first (footage of a removed camera of that id may
     * be there): 409 {@code confirmation_required} with {@code wouldDelete} and a {@code confirm} code when it would
     * delete any, or retention does not answer; sent again with {@code ?confirm=code}, it is made.
     */
    @POST
    @Path("/cameras")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Access.ADMIN)
    @Blocking
    @APIResponse(responseCode = "201", content = @Content(schema = @Schema(implementation = CameraDetails.class)))
    public Response create(CameraInput body, @QueryParam("confirm") String confirm) {
        if (body == null) {
            return Errors.of(400, "bad_request", "a JSON camera is required");
        }
        try {
            CameraConfig c = cameras.create(caller(), body, confirm);
            return Response.created(URI.create("/api/cameras/" + c.id())).entity(CameraDetails.of(c)).build();
        } catch (CameraAdmin.Refused r) {
            return refused(r);
        }
    }

    /**
     * Tests a camera's address before it is saved (design 0018 §5): the body is a camera as for {@code POST
     * /api/cameras} (an absent password: the stored camera's), checked the same way (400 naming each bad field, 403 off
     * the caller's sites), and nothing is stored. A capture instance of the camera's site opens the stream with the
     * capture code, within the RTSP timeouts, and answers 200 with {@code ok}, the stream's codec, size, frame rate,
     * audio, a JPEG snapshot (base64), or {@code ok: false} with one {@code reason} and the {@code field} it is about.
     * 429 when that instance is probing 4 cameras already; 503 when no capture instance of the site can be asked.
     */
    @POST
    @Path("/cameras/probe")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed(Access.ADMIN)
    @Blocking
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = ProbeAnswer.class)))
    public io.smallrye.mutiny.Uni<Response> probe(CameraInput body) {
        if (body == null) {
            return io.smallrye.mutiny.Uni.createFrom().item(Errors.of(400, "bad_request", "a JSON camera is required"));
        }
        CameraConfig target;
        try {
            target = cameras.probeTarget(caller(), body);
        } catch (CameraAdmin.Refused r) {
            return io.smallrye.mutiny.Uni.createFrom().item(refused(r));
        }
        return probes.probe(target, caller().token())
                .map(a -> a.status() == 200 || a.status() == 429 || a.status() == 400
                        ? Response.status(a.status()).type(MediaType.APPLICATION_JSON).entity(a.body()).build()
                        : Errors.of(502, "bad_gateway", "the capture instance of site " + target.site()
                                + " answered " + a.status()))
                .onFailure().recoverWithItem(f -> Errors.of(503, "unavailable", f.getMessage()));
    }

    /** What a probe answers (the OpenAPI document's view of capture's answer). */
    public record ProbeAnswer(boolean ok, String reason, String field, String message, Facts main, Facts sub,
            String snapshot, long tookMs) {
        /** One stream's facts. */
        public record Facts(String codec, int width, int height, double fps, boolean audio, boolean recordable) {
        }
    }

    /**
     * Replaces a camera's settings (absent fields take their defaults; the password, when there is one, stays). A change
     * that shortens its {@code retentionDays} (or drops or sets them: its site's days then apply) is answered 409
     * {@code confirmation_required} with retention's preview and a code when it would delete footage; sent again with
     * {@code ?confirm=code}, it is made, and its audit entry carries the preview.
     */
    @PUT
    @Path("/cameras/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Access.ADMIN)
    @Blocking
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = CameraDetails.class)))
    public Response update(@PathParam("id") String id, CameraInput body, @QueryParam("confirm") String confirm) {
        if (body == null) {
            return Errors.of(400, "bad_request", "a JSON camera is required");
        }
        try {
            return Response.ok(CameraDetails.of(cameras.update(caller(), id, body, confirm))).build();
        } catch (CameraAdmin.Refused r) {
            return refused(r);
        }
    }

    /** Starts or stops capturing a camera; its settings and footage stay. */
    @PUT
    @Path("/cameras/{id}/enabled")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Access.ADMIN)
    @Blocking
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = CameraDetails.class)))
    public Response enable(@PathParam("id") String id, EnabledSwitch body) {
        if (body == null || body.enabled() == null) {
            return Errors.of(400, "bad_request", "a JSON body {\"enabled\": true|false} is required");
        }
        try {
            return Response.ok(CameraDetails.of(cameras.enable(caller(), id, body.enabled()))).build();
        } catch (CameraAdmin.Refused r) {
            return refused(r);
        }
    }

    /** Switches recording on or off for one camera (operator and admin, on their sites); audited either way. */
    @PUT
    @Path("/cameras/{id}/recording")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Access.OPERATOR, Access.ADMIN})
    @Blocking
    public Response setRecording(@PathParam("id") String id, RecordingSwitch body) {
        if (body == null || body.recording() == null) {
            return Errors.of(400, "bad_request", "a JSON body {\"recording\": true|false} is required");
        }
        try {
            return Response.ok(CameraView.of(cameras.record(caller(), id, body.recording()))).build();
        } catch (CameraAdmin.Refused r) {
            return refused(r);
        }
    }

    /** Removes a camera: 204. Its footage stays until retention takes it; footage under legal hold stays. */
    @DELETE
    @Path("/cameras/{id}")
    @RolesAllowed(Access.ADMIN)
    @Blocking
    public Response delete(@PathParam("id") String id) {
        try {
            cameras.delete(caller(), id);
            return Response.noContent().build();
        } catch (CameraAdmin.Refused r) {
            return refused(r);
        }
    }

    /** The cameras of the caller's sites as CSV (no password, ever). */
    @GET
    @Path("/cameras.csv")
    @Produces("text/csv")
    @RolesAllowed(Access.ADMIN)
    public Response exportCsv() {
        return Response.ok(cameras.exportCsv(caller()), "text/csv; charset=utf-8")
                .header("Content-Disposition", "attachment; filename=\"cameras.csv\"").build();
    }

    /**
     * Creates or replaces every camera of a CSV file, or none: 200 with the counts; 409 {@code confirmation_required}
     * (as for one camera, with one code for the whole file) when its retention days would delete footage; 400 (or 403)
     * listing every failing row and column, with nothing imported.
     */
    @POST
    @Path("/cameras.csv")
    @Consumes({"text/csv", MediaType.TEXT_PLAIN})
    @RolesAllowed(Access.ADMIN)
    @Blocking
    public Response importCsv(String body, @QueryParam("confirm") String confirm) {
        if (body == null || body.isBlank()) {
            return Errors.of(400, "bad_request", "a CSV file is required: the first row names the columns");
        }
        try {
            CameraAdmin.Imported done = cameras.importCsv(caller(), body, confirm);
            return Response.ok(Map.of("created", done.created(), "updated", done.updated())).build();
        } catch (CameraAdmin.Refused r) {
            return refused(r);
        }
    }

    private static Response refused(CameraAdmin.Refused r) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", r.code);
        body.put("message", r.getMessage());
        if (!r.problems.isEmpty()) {
            body.put("problems", r.problems);
        }
        body.putAll(r.more);
        return Response.status(r.status).type(MediaType.APPLICATION_JSON).entity(body).build();
    }

    private TokenService.Caller caller() {
        return identity.getAttribute(SessionAuthMechanism.CALLER);
    }

    private boolean isAdmin() {
        return identity.hasRole(Access.ADMIN);
    }
}
