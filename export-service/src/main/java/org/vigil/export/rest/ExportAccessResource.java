package org.vigil.export.rest;

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
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.vigil.contracts.Access;

/**
 * Whether the caller may export evidence, and for which sites, decided here from the bearer token: the UI shows
 * export controls from this answer, and the export endpoints apply the same rule.
 */
@Path("/api/exports/access")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Access.VIEWER, Access.OPERATOR, Access.ADMIN})
public class ExportAccessResource {

    /** The answer: allowed or not, on which sites, and the least role that may export. */
    public record ExportAccess(boolean canExport, List<String> sites, String requiredRole) {
    }

    @Inject
    JsonWebToken token;

    @Inject
    @Claim(Access.SITES_CLAIM)
    Set<String> sites;

    @GET
    public ExportAccess access() {
        boolean may = token.getGroups().contains(Access.OPERATOR) || token.getGroups().contains(Access.ADMIN);
        return new ExportAccess(may, may ? List.copyOf(sites) : List.of(), Access.OPERATOR);
    }
}
