package org.vigil.recorder.rest;

import java.util.Map;
import java.util.Set;

import io.smallrye.common.annotation.Blocking;
import io.vertx.core.http.HttpServerResponse;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import org.eclipse.microprofile.jwt.Claim;
import org.vigil.contracts.Access;
import org.vigil.contracts.CameraConfig;
import org.vigil.recorder.live.LiveFrames;
import org.vigil.recorder.messaging.Registry;

/**
 * A camera's live video as it comes, for a gateway that relays it to its browsers: {@code GET
 * /api/recorder/live/{camera}}, its previews (design 0017 §3), and {@code GET /api/recorder/live/{camera}/native}, its
 * own stream as fMP4 (design 0019), or with {@code ?stream=sub} its sub-stream (§6). Any role, on the camera's site
 * only. The framing is {@link LiveFrames}'.
 */
@Path("/api/recorder/live")
@RequestScoped
@RolesAllowed({Access.VIEWER, Access.OPERATOR, Access.ADMIN})
public class LiveResource {

    @Inject
    LiveFrames live;

    @Inject
    Registry registry;

    @Inject
    @Claim(Access.SITES_CLAIM)
    Set<String> sites;

    @Context
    HttpServerResponse response;

    @GET
    @Path("/{camera}")
    @Blocking
    public Response live(@PathParam("camera") String camera) {
        Response refused = refused(camera);
        if (refused != null) {
            return refused;
        }
        if (!live.admit()) {
            return Response.status(503).header("Retry-After", "5").type(MediaType.APPLICATION_JSON).entity(Map.of(
                    "error", "busy", "message", "this recorder serves as many live streams as it may; try again"))
                    .build();
        }
        HttpServerResponse r = response;
        StreamingOutput body = out -> live.stream(camera, out, r::closed);
        return Response.ok(body, MediaType.APPLICATION_OCTET_STREAM).header("Cache-Control", "no-store").build();
    }

    @GET
    @Path("/{camera}/native")
    @Blocking
    public Response liveNative(@PathParam("camera") String camera, @QueryParam("stream") String stream) {
        if (stream != null && !stream.equals("main") && !stream.equals("sub")) {
            return error(400, "bad_request", "stream is main (the default) or sub");
        }
        Response refused = refused(camera);
        if (refused != null) {
            return refused;
        }
        boolean sub = "sub".equals(stream);
        String subUrl = registry.get(camera).subStreamUrl();
        if (sub && (subUrl == null || subUrl.isBlank())) {
            return error(404, "no_substream", "camera " + camera + " has no sub-stream");
        }
        if (!live.admitNative()) {
            return Response.status(503).header("Retry-After", "5").type(MediaType.APPLICATION_JSON).entity(Map.of(
                    "error", "busy", "message", "this recorder serves as many native live streams as it may; try "
                            + "again")).build();
        }
        HttpServerResponse r = response;
        StreamingOutput body = out -> live.streamNative(camera, sub, out, r::closed);
        return Response.ok(body, MediaType.APPLICATION_OCTET_STREAM).header("Cache-Control", "no-store").build();
    }

    /** 404 for an unknown camera, 403 off the caller's sites; null when the caller may watch it. */
    private Response refused(String camera) {
        CameraConfig cam = registry.get(camera);
        if (cam == null) {
            return error(404, "not_found", "no camera " + camera);
        }
        if (!Access.siteAllowed(sites, cam.site())) {
            return error(403, "forbidden", "no access to site " + cam.site());
        }
        return null;
    }

    private static Response error(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", code, "message", message)).build();
    }
}
