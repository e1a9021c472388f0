package org.vigil.events.rest;

import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.vigil.contracts.Access;
import org.vigil.events.service.AuditVerification;

/** Admins check the whole audit log's hash chain: {@code ok}, entries checked, and where it breaks. */
@Path("/api/audit/verify")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Access.ADMIN)
public class AuditResource {

    @Inject
    AuditVerification verification;

    @GET
    @Blocking
    public AuditVerification.Result verify() {
        return verification.verify();
    }
}
