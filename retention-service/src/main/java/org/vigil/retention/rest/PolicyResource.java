package org.vigil.retention.rest;

import org.vigil.contracts.Access;
import org.vigil.retention.config.RetentionConfig;
import org.vigil.retention.service.Policy;

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

    /** The policy: the default days, the overrides by site and by camera, and the volume pruned. */
    public record PolicyView(int retentionDays, java.util.Map<String, Integer> siteDays,
            java.util.Map<String, Integer> cameraDays, String recordingsDir) {
    }

    private final RetentionConfig config;
    private final Policy policy;

    public PolicyResource(RetentionConfig config, Policy policy) {
        this.config = config;
        this.policy = policy;
    }

    @GET
    public PolicyView policy() {
        return new PolicyView(policy.defaultDays(), policy.sites(), policy.cameras(),
                config.recordingsDir().toAbsolutePath().toString());
    }
}
