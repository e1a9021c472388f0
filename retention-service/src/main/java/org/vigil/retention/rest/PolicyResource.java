package org.vigil.retention.rest;

import org.vigil.contracts.Access;
import org.vigil.retention.config.RetentionConfig;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** The retention policy in force. Admin only, like every retention setting. */
@Path("/api/retention/policy")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Access.ADMIN)
public class PolicyResource {

    /** The default policy: how many days recordings and events are kept. */
    public record Policy(int retentionDays, String recordingsDir) {
    }

    private final RetentionConfig config;

    public PolicyResource(RetentionConfig config) {
        this.config = config;
    }

    @GET
    public Policy policy() {
        return new Policy(config.days(), config.recordingsDir().toAbsolutePath().toString());
    }
}
