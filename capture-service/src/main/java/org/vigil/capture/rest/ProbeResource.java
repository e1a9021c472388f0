package org.vigil.capture.rest;

import java.util.Map;
import java.util.Set;

import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.Claim;
import org.jboss.logging.Logger;
import org.vigil.capture.config.CaptureConfig;
import org.vigil.capture.probe.ProbeResult;
import org.vigil.capture.probe.StreamProbe;
import org.vigil.capture.source.SourceUrls;
import org.vigil.contracts.Access;
import org.vigil.contracts.CameraConfig;

/**
 * Tests a camera's address before it is saved (design 0018 §5), for the gateway's {@code POST /api/cameras/probe},
 * which has checked the camera and sealed its password. Admins of the camera's site only, and only a site this
 * instance captures for: a camera is tested from where it will be captured. Nothing is stored or published.
 */
@Path("/api/capture/probe")
@RequestScoped
public class ProbeResource {

    private static final Logger LOG = Logger.getLogger(ProbeResource.class);

    @Inject
    StreamProbe probe;

    @Inject
    CaptureConfig settings;

    @Inject
    @Claim(Access.SITES_CLAIM)
    Set<String> sites;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed(Access.ADMIN)
    @Blocking
    public Response probe(CameraConfig camera) {
        if (camera == null || camera.id() == null || camera.site() == null || camera.url() == null) {
            return error(400, "bad_request", "a camera with id, site and url is required");
        }
        if (!Access.siteAllowed(sites, camera.site())) {
            return error(403, "forbidden", "you are not an admin of site '" + camera.site() + "'");
        }
        if (!settings.sites().contains(camera.site())) {
            return error(400, "wrong_site", "this capture instance captures for " + String.join(", ", settings.sites())
                    + ", not site " + camera.site() + ": probe it where it will be captured");
        }
        // the gateway refuses these already; a probe never opens a file or an unknown scheme however it was asked
        for (String url : new String[] {camera.url(), camera.subStreamUrl()}) {
            if (url != null && (SourceUrls.kind(url) == null || SourceUrls.kind(url) == SourceUrls.Kind.FILE)) {
                return error(400, "invalid", "not a camera address: " + CameraConfig.maskCredentials(url));
            }
        }
        try {
            ProbeResult r = probe.probe(camera);
            LOG.infof("probe of camera %s (%s): %s in %d ms", camera.id(), camera.maskedUrl(),
                    r.ok() ? "ok" : r.reason(), r.tookMs());
            return Response.ok(r).build();
        } catch (StreamProbe.Busy b) {
            return error(429, "busy", b.getMessage());
        }
    }

    private static Response error(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", code, "message", message)).build();
    }
}
