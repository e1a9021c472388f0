package org.vigil.export.rest;

import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;

import io.quarkus.security.ForbiddenException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
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
import org.vigil.export.ExportJob;
import org.vigil.export.service.ExportJobs;
import org.vigil.export.service.SigningKeys;

/**
 * Export jobs: operators and admins create, follow, cancel and download them, on their sites; every role may read
 * the signing key's fingerprint. The role rule is enforced here from the bearer token; a viewer gets 403 naming the
 * role needed.
 */
@Path("/api/exports")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Access.OPERATOR, Access.ADMIN})
public class ExportJobsResource {

    /** The body of a new export. */
    public record NewExport(List<String> cameras, Instant from, Instant to, String reason, String caseId,
            Boolean includeMp4) {
    }

    /** A job as the API shows it. */
    public record JobView(String id, String state, List<String> cameras, List<String> sites, Instant from, Instant to,
            String reason, String caseId, boolean includeMp4, String requestedBy, Instant createdAt, Instant startedAt,
            Instant finishedAt, int attempts, int percent, long bytesDone, long bytesTotal, String error, Long size, String sha256) {
        static JobView of(ExportJob j) {
            return new JobView(j.id(), j.state(), j.cameras(), j.sites(), j.from(), j.to(), j.reason(), j.caseId(),
                    j.includeMp4(), j.requestedBy(), j.createdAt(), j.startedAt(), j.finishedAt(), j.attempts(), j.percent(),
                    ExportJob.DONE.equals(j.state()) ? j.bytesTotal() : j.bytesDone(), j.bytesTotal(), j.error(),
                    j.size(), j.sha256());
        }
    }

    public record KeyView(String algorithm, String fingerprint, String publicKeyPem) {
    }

    @Inject
    InstantSource clock;

    @Inject
    ExportJobs jobs;

    @Inject
    SigningKeys keys;

    @Inject
    JsonWebToken token;

    @Inject
    @Claim(Access.SITES_CLAIM)
    Set<String> sites;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(NewExport body, @HeaderParam(Access.FOOTAGE_GRANT_HEADER) String footageGrant) {
        if (body == null) {
            return Errors.of(400, "bad_request", "send {cameras, from, to, reason, caseId}");
        }
        ExportJob j = jobs.create(caller(), new ExportJobs.Request(body.cameras(), body.from(), body.to(),
                body.reason(), body.caseId(), Boolean.TRUE.equals(body.includeMp4())), footageGrant);
        return Response.status(202).entity(JobView.of(j)).build();
    }

    @GET
    public List<JobView> list() {
        return jobs.list(caller()).stream().map(JobView::of).toList();
    }

    @GET
    @Path("/{id}")
    public JobView get(@PathParam("id") String id) {
        return JobView.of(jobs.get(caller(), id));
    }

    @POST
    @Path("/{id}/cancel")
    public JobView cancel(@PathParam("id") String id) {
        return JobView.of(jobs.cancel(caller(), id));
    }

    @GET
    @Path("/{id}/download")
    @Produces("application/zip")
    public Response download(@PathParam("id") String id) throws java.io.IOException {
        java.nio.file.Path file = jobs.download(caller(), id);
        return Response.ok(new org.jboss.resteasy.reactive.PathPart(file, 0, java.nio.file.Files.size(file)))
                .type("application/zip")
                .header("Content-Disposition", "attachment; filename=\"vigil-export-" + id + ".zip\"")
                .header(Errors.EXPORT_UTC, clock.instant().toString()).build();
    }

    @GET
    @Path("/keys")
    @RolesAllowed({Access.VIEWER, Access.OPERATOR, Access.ADMIN})
    public KeyView key() {
        return new KeyView("Ed25519", keys.fingerprint(), keys.publicPem());
    }

    private ExportJobs.Caller caller() {
        return new ExportJobs.Caller(token.getName(), List.copyOf(sites == null ? Set.of() : sites));
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return Errors.forbidden();
    }
}
