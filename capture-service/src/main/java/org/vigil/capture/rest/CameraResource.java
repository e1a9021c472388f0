package org.vigil.capture.rest;

import java.util.Comparator;
import java.util.List;
import java.util.Set;

import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.jwt.Claim;
import org.vigil.capture.service.CameraSupervisor;
import org.vigil.contracts.Access;
import org.vigil.contracts.CameraStatus;

/** The cameras this capture instance owns, with their latest status; only those on the caller's sites. */
@Path("/api/capture/cameras")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Access.VIEWER, Access.OPERATOR, Access.ADMIN})
public class CameraResource {

    /** A captured camera as the API shows it: the source with credentials masked. */
    public record CameraView(String id, String name, String site, String source, boolean recording,
            CameraStatus status) {
    }

    @Inject
    CameraSupervisor supervisor;

    @Inject
    @Claim(Access.SITES_CLAIM)
    Set<String> sites;

    @GET
    public List<CameraView> list() {
        return supervisor.cameras().stream()
                .filter(c -> Access.siteAllowed(sites, c.camera().site()))
                .map(c -> new CameraView(c.camera().id(), c.camera().name(), c.camera().site(), c.camera().maskedUrl(),
                        c.camera().recording(), c.status()))
                .sorted(Comparator.comparing(CameraView::id))
                .toList();
    }
}
