package org.vigil.events.rest;

import java.util.Map;
import java.util.Set;

import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.Claim;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.vigil.contracts.Access;
import org.vigil.events.retention.EventRetention;

/**
 * Retention of the event store (events and detector data by whole days): what a run would delete, a run now, and the
 * last run's report. It acts on every site, so only an admin of every site ({@code "*"}) may use it, as for
 * retention-service's recordings.
 */
@Path("/api/events/retention")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Access.ADMIN)
public class EventRetentionResource {

    @Inject
    EventRetention retention;

    @Inject
    JsonWebToken token;

    @Inject
    @Claim(Access.SITES_CLAIM)
    Set<String> sites;

    @GET
    @Path("/dry-run")
    @Blocking
    @Operation(summary = "What the next event retention run would delete, per table, and what holds keep")
    public Response dryRun() {
        return everySite() ? Response.ok(retention.dryRun()).build() : refused();
    }

    @POST
    @Path("/run")
    @Blocking
    @Operation(summary = "Runs event retention now")
    public Response run() {
        return everySite() ? Response.ok(retention.run(token.getName(), "manual")).build() : refused();
    }

    @GET
    @Path("/last-run")
    @Operation(summary = "The last event retention run's report since this instance started")
    public Response lastRun() {
        if (!everySite()) {
            return refused();
        }
        EventRetention.Report r = retention.last();
        return r == null ? Response.status(404).type(MediaType.APPLICATION_JSON).entity(Map.of("error", "not_found",
                "message", "no event retention run since this instance started")).build() : Response.ok(r).build();
    }

    private boolean everySite() {
        return Access.everySite(sites);
    }

    private static Response refused() {
        return Response.status(403).type(MediaType.APPLICATION_JSON).entity(Map.of("error", "forbidden", "field",
                "sites", "message", "event retention acts on every site: only an admin of every site (\"*\") may run "
                        + "or preview it")).build();
    }
}
