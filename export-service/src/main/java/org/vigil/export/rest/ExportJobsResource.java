package org.vigil.export.rest;

import java.util.Map;

import org.vigil.contracts.Access;

import io.quarkus.security.ForbiddenException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Export jobs. The role rule is enforced here, by this service, from the bearer token: operators and admins may
 * export, viewers get 403 naming the role they would need. The jobs themselves are not built yet: an allowed caller
 * gets 501 saying so, never a pretend job.
 */
@Path("/api/exports")
@Produces(MediaType.APPLICATION_JSON)
public class ExportJobsResource {

    @POST
    @RolesAllowed({Access.OPERATOR, Access.ADMIN})
    public Response create() {
        return Response.status(501).entity(Map.of("error", "not_implemented",
                "message", "export jobs are not available in this version yet")).build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return Response.status(403).type(MediaType.APPLICATION_JSON).entity(Map.of("error", "forbidden",
                "message", "exporting needs the " + Access.OPERATOR + " role or higher", "requiredRole",
                Access.OPERATOR)).build();
    }
}
