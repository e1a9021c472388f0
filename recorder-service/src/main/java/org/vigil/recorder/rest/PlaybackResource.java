package org.vigil.recorder.rest;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.Claim;
import org.jboss.resteasy.reactive.PathPart;
import org.vigil.contracts.Access;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.CameraConfig;
import org.vigil.recorder.config.RecorderConfig;
import org.vigil.recorder.messaging.Registry;
import org.vigil.recorder.playback.Playback;
import org.vigil.recorder.playback.Viewings;

/**
 * {@code GET /api/recorder/playback/{camera}.mp4?from=…&to=…}: recorded footage as MP4 for a browser's video
 * element, with HTTP Range. Any role, on the camera's site only.
 */
@Path("/api/recorder/playback")
@RequestScoped
@RolesAllowed({Access.VIEWER, Access.OPERATOR, Access.ADMIN})
public class PlaybackResource {

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    @Inject
    Playback playback;

    @Inject
    Registry registry;

    @Inject
    io.quarkus.security.identity.SecurityIdentity identity;

    @Inject
    org.vigil.recorder.messaging.RecorderPublisher publisher;

    @Inject
    RecorderConfig config;

    @Inject
    Viewings viewings;

    @Inject
    @Claim(Access.SITES_CLAIM)
    Set<String> sites;

    @GET
    @Path("/{camera}.mp4")
    @Blocking
    public Response play(@PathParam("camera") String camera, @QueryParam("from") String fromParam,
            @QueryParam("to") String toParam, @QueryParam("download") String downloadParam,
            @HeaderParam("Range") String range) throws IOException {
        boolean download = "1".equals(downloadParam) || "true".equalsIgnoreCase(downloadParam);
        if (download && !identity.hasRole(Access.OPERATOR) && !identity.hasRole(Access.ADMIN)) {
            return error(403, "forbidden", "downloading recordings needs the operator role or higher");
        }
        Instant from = time("from", fromParam);
        Instant to = time("to", toParam);
        if (!to.isAfter(from)) {
            return bad("to", "to must be after from");
        }
        if (Duration.between(from, to).compareTo(config.playbackMaxRange()) > 0) {
            return bad("to", "the range may be at most " + config.playbackMaxRange().toMinutes() + " minutes long");
        }
        CameraConfig cam = registry.get(camera);
        if (cam == null) {
            return error(404, "not_found", "no camera " + camera);
        }
        if (!Access.siteAllowed(sites, cam.site())) {
            return error(403, "forbidden", "no access to site " + cam.site());
        }
        String user = identity.getPrincipal().getName();
        Optional<Playback.Rendered> r;
        try {
            r = playback.render(camera, from, to, user);
        } catch (Playback.Refused e) {
            Response.ResponseBuilder b = Response.status(e.status).type(MediaType.APPLICATION_JSON)
                    .entity(Map.of("error", e.status == 413 ? "too_large" : "busy", "message", e.getMessage()));
            return (e.status == 413 ? b : b.header("Retry-After", "2")).build();
        }
        if (r.isEmpty()) {
            return error(404, "not_found", "no recording of " + camera + " between " + from + " and " + to);
        }
        Playback.Rendered mp4 = r.get();
        long size = Files.size(mp4.file());
        // once per viewing (the first request of this user for this range, whatever its Range header), never per seek
        if (viewings.first(user, camera, from, to, download)) {
            publisher.audit(user, download ? "recording.download" : "recording.view", AuditEntry.CAMERA + camera,
                    cam.site(), "success",
                    Map.of("from", from.toString(), "to", to.toString(), "site", cam.site()));
        }
        Response.ResponseBuilder b;
        if (range == null) {
            b = Response.ok(new PathPart(mp4.file(), 0, size));
        } else {
            Matcher m = RANGE.matcher(range.trim());
            long start;
            long end;
            if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
                return Response.status(416).header("Content-Range", "bytes */" + size).build();
            }
            if (m.group(1).isEmpty()) { // the last n bytes
                long n = Long.parseLong(m.group(2));
                start = Math.max(0, size - n);
                end = size - 1;
            } else {
                start = Long.parseLong(m.group(1));
                end = m.group(2).isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(m.group(2)));
            }
            if (start >= size || end < start) {
                return Response.status(416).header("Content-Range", "bytes */" + size).build();
            }
            b = Response.status(206).entity(new PathPart(mp4.file(), start, end - start + 1))
                    .header("Content-Range", "bytes " + start + "-" + end + "/" + size);
        }
        if (download) {
            b.header("Content-Disposition", "attachment; filename=\"" + camera.replaceAll("[^A-Za-z0-9._-]", "_") + "_"
                    + from.toString().replace(':', '-') + ".mp4\"")
                    .header("X-Export-UTC", Instant.now().toString());
        }
        return b.type("video/mp4")
                .header("Accept-Ranges", "bytes")
                .header("Cache-Control", "private, max-age=60")
                .header("X-Vigil-Start", mp4.start().toString())
                .header("X-Vigil-End", mp4.end().toString())
                .header("X-Vigil-Frames", Long.toString(mp4.frames()))
                .header("X-Vigil-Cut-Short", Boolean.toString(mp4.cutShort()))
                .build();
    }

    private static Instant time(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new BadParameter(name, name + " is required (UTC, ISO-8601, e.g. 2026-11-28T10:00:00Z)");
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new BadParameter(name, name + " is not an ISO-8601 UTC time such as 2026-11-28T10:00:00Z");
        }
    }

    private static Response bad(String parameter, String message) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", "bad_request");
        body.put("parameter", parameter);
        body.put("message", message);
        return Response.status(400).type(MediaType.APPLICATION_JSON).entity(body).build();
    }

    private static Response error(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", code, "message", message)).build();
    }

    /** A query parameter that cannot be used. */
    static final class BadParameter extends RuntimeException {
        final String parameter;

        BadParameter(String parameter, String message) {
            super(message);
            this.parameter = parameter;
        }
    }

    @org.jboss.resteasy.reactive.server.ServerExceptionMapper
    public Response badParameter(BadParameter e) {
        return bad(e.parameter, e.getMessage());
    }
}
