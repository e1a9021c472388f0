package org.vigil.recorder.rest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.Claim;
import org.jboss.resteasy.reactive.PathPart;
import org.vigil.contracts.Access;
import org.vigil.contracts.CameraConfig;
import org.vigil.recorder.messaging.Registry;
import org.vigil.recorder.service.Storage;
import org.vigil.runtime.media.RecordingLayout;

/**
 * {@code GET /api/recorder/segments/{camera}/{file}?site=…}: one complete segment's bytes, as recorded, for central's
 * export service to put into a package (design 0017 §3). Only a footage grant opens it (the {@code footage} OIDC
 * tenant: audience {@value Access#FOOTAGE_AUDIENCE}, minted by central's gateway when an operator asks for an export),
 * and only for the grant's sites. The file is found by its name alone, under this recorder's recording roots: no
 * path from the caller reaches the file system.
 */
@jakarta.ws.rs.Path("/api/recorder/segments")
@RequestScoped
@RolesAllowed({Access.OPERATOR, Access.ADMIN})
public class SegmentResource {

    private static final java.util.regex.Pattern SAFE = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    @Inject
    Registry registry;

    @Inject
    Storage storage;

    @Inject
    @Claim(Access.SITES_CLAIM)
    Set<String> sites;

    @GET
    @jakarta.ws.rs.Path("/{camera}/{file}")
    @Blocking
    public Response segment(@PathParam("camera") String camera, @PathParam("file") String file,
            @QueryParam("site") String siteParam) throws IOException {
        if (!SAFE.matcher(camera).matches()) { // it becomes a directory name: never "..", never a separator
            return error(400, "bad_request", "not a camera id: " + camera.replaceAll("[^ -~]", "?"));
        }
        Optional<RecordingLayout.Named> named = RecordingLayout.parse(file);
        if (named.isEmpty() || !named.get().camera().equals(camera)) {
            return error(400, "bad_request", "file must be a segment of camera " + camera
                    + " (recording_<camera>_<yyyyMMdd'T'HHmmss.SSS'Z'>.avi)");
        }
        // a deleted camera's footage stays until retention takes it: its site is then the one the caller names
        CameraConfig cam = registry.get(camera);
        String site = cam != null ? cam.site() : siteParam;
        if (site == null || !SAFE.matcher(site).matches()) {
            return error(404, "not_found", "no camera " + camera + " (name its site= if it was deleted)");
        }
        if (!Access.siteAllowed(sites, site)) {
            return error(403, "forbidden", "no access to site " + site);
        }
        for (Path root : storage.current().roots()) {
            Path f = RecordingLayout.segment(root, site, camera, named.get().start()).normalize();
            if (f.startsWith(root.normalize()) && Files.isRegularFile(f) && f.getFileName().toString().equals(file)) {
                return Response.ok(new PathPart(f, 0, Files.size(f))).type("video/x-msvideo")
                        .header("Cache-Control", "no-store").build();
            }
        }
        return error(404, "not_found", "no recording " + file + " of camera " + camera + " here");
    }

    private static Response error(int status, String error, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", error, "message", message)).build();
    }
}
