package org.vigil.retention.rest;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.Claim;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.vigil.contracts.Access;
import org.vigil.retention.Hold;
import org.vigil.retention.service.DiskPressure;
import org.vigil.retention.service.Holds;
import org.vigil.retention.service.PruneReport;
import org.vigil.retention.service.Pruner;

/**
 * Legal holds (operators place, admins release), retention runs (admins: a dry run that changes nothing, a run now,
 * the last run's report) and the storage figures of the dashboard (every role). Roles and sites are checked here from
 * the bearer token.
 */
@Path("/api/retention")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class RetentionResource {

    public record NewHold(String cameraId, Instant from, Instant to, String eventId, String exportId, String caseId,
            String reason, Instant expiresAt) {
    }

    @Inject
    Holds holds;

    @Inject
    Pruner pruner;

    @Inject
    DiskPressure disk;

    @Inject
    JsonWebToken token;

    @Inject
    org.vigil.retention.messaging.CameraRetentionReader cameras;

    @Inject
    @Claim(Access.SITES_CLAIM)
    Set<String> sites;

    @GET
    @Path("/holds")
    @RolesAllowed({Access.OPERATOR, Access.ADMIN})
    @Blocking
    public List<Hold> list() {
        return holds.list(caller());
    }

    @POST
    @Path("/holds")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Access.OPERATOR, Access.ADMIN})
    @Blocking
    public Response place(NewHold body) {
        Hold h = holds.place(caller(), body == null ? null : new Holds.Request(body.cameraId(), body.from(), body.to(),
                body.eventId(), body.exportId(), body.caseId(), body.reason(), body.expiresAt()));
        return Response.status(201).entity(h).build();
    }

    @POST
    @Path("/holds/{id}/release")
    @RolesAllowed(Access.ADMIN)
    @Blocking
    public Hold release(@PathParam("id") String id) {
        return holds.release(caller(), id);
    }

    /** What a run would delete now, across every site: an admin of every site only. */
    @GET
    @Path("/dry-run")
    @RolesAllowed(Access.ADMIN)
    @Blocking
    public PruneReport.Report dryRun() throws IOException {
        everySite();
        return pruner.dryRun(disk.status(false).bytesToFree());
    }

    /** A proposed recordings directory and floor (the recorder's storage change). */
    public record StorageProposal(String recordingsDir, Long minFreeBytes) {
    }

    /**
     * What the low-disk path would delete under a proposed directory and floor: asked by the recorder before it
     * changes them, with the admin's token. An admin of every site only.
     */
    @POST
    @Path("/dry-run/storage")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Access.ADMIN)
    @Blocking
    public DiskPressure.FloorPreview dryRunStorage(StorageProposal p) throws IOException {
        everySite();
        if (p == null || p.recordingsDir() == null || !java.nio.file.Path.of(p.recordingsDir()).isAbsolute()
                || p.minFreeBytes() == null || p.minFreeBytes() < 0) {
            throw new Holds.Refused(400, "body", "send {\"recordingsDir\": \"/absolute/path\", \"minFreeBytes\": n}");
        }
        return disk.preview(java.nio.file.Path.of(p.recordingsDir()), p.minFreeBytes());
    }

    /** One camera's proposed days: {@code retentionDays} null for none (its site's policy). */
    public record CameraDays(String id, String site, Integer retentionDays) {
    }

    /** Cameras' proposed days, as a camera change or an import would set them. */
    public record CamerasProposal(List<CameraDays> cameras) {
    }

    /** The most cameras one preview names: an import's 500 with room to spare. */
    static final int MAX_PREVIEW_CAMERAS = 5000;

    /**
     * What the next run would delete by age of these cameras' recordings were their own days set as proposed: asked by
     * the gateway before it stores a camera change or an import that shortens what a camera keeps, with the admin's
     * token. An admin of each camera's site (the one proposed and the one the registry has) only.
     */
    @POST
    @Path("/dry-run/cameras")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Access.ADMIN)
    @Blocking
    public PruneReport.Deleted dryRunCameras(CamerasProposal p) {
        if (p == null || p.cameras() == null || p.cameras().isEmpty() || p.cameras().size() > MAX_PREVIEW_CAMERAS) {
            throw new Holds.Refused(400, "cameras", "send {\"cameras\": [{\"id\": \"door-1\", \"site\": \"hq\", "
                    + "\"retentionDays\": 7}]}, 1 to " + MAX_PREVIEW_CAMERAS + " cameras");
        }
        Map<String, Integer> days = new java.util.HashMap<>();
        for (CameraDays c : p.cameras()) {
            if (c == null || c.id() == null || c.id().isBlank() || c.site() == null
                    || (c.retentionDays() != null && c.retentionDays() < 1)) {
                throw new Holds.Refused(400, "cameras", "each camera needs an id, a site and retentionDays (null, or "
                        + "1 or more)");
            }
            for (String site : java.util.stream.Stream.concat(java.util.stream.Stream.of(c.site()),
                    cameras.siteOf(c.id()).stream()).toList()) {
                if (!Access.siteAllowed(sites, site)) {
                    throw new Holds.Refused(403, "cameras", "camera " + c.id() + ": you are not an admin of site '"
                            + site + "'");
                }
            }
            days.put(c.id(), c.retentionDays());
        }
        try {
            return pruner.dryRunCameras(days);
        } catch (IllegalStateException e) {
            throw new Holds.Refused(503, "registry", e.getMessage());
        }
    }

    /** The dashboard's storage figures: free space, bytes used and held, bytes per hour, headroom, threshold. */
    @GET
    @Path("/status")
    @RolesAllowed({Access.VIEWER, Access.OPERATOR, Access.ADMIN})
    @Blocking
    public DiskPressure.Status status() throws IOException {
        return disk.status(true);
    }

    /** The last real run's report (404 when none ran since this instance started). */
    @GET
    @Path("/last-run")
    @RolesAllowed(Access.ADMIN)
    public Response lastRun() {
        everySite();
        PruneReport.Report r = pruner.last();
        return r == null ? Response.status(404).type(MediaType.APPLICATION_JSON).entity(Map.of("error", "not_found",
                "message", "no retention run since this instance started")).build() : Response.ok(r).build();
    }

    /** Runs retention now, on every site: an admin of every site only (refused before anything runs). */
    @POST
    @Path("/run")
    @RolesAllowed(Access.ADMIN)
    @Blocking
    public PruneReport.Report run() {
        everySite();
        return pruner.run(token.getName(), "manual");
    }

    /** Settings and runs that act on every site need an admin of every site, checked before anything else. */
    private void everySite() {
        if (!Access.everySite(sites)) {
            throw new Holds.Refused(403, "sites", "retention acts on every site: only an admin of every site "
                    + "(\"*\") may run it, preview it or see its policy");
        }
    }

    private Holds.Caller caller() {
        return new Holds.Caller(token.getName(), List.copyOf(sites == null ? Set.of() : sites));
    }

    @ServerExceptionMapper
    public Response refused(Holds.Refused e) {
        return Response.status(e.status).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", e.status == 404 ? "not_found" : e.status == 403 ? "forbidden"
                        : e.status == 503 ? "unavailable" : "invalid_" + e.field, "field", e.field,
                        "message", e.getMessage())).build();
    }
}
