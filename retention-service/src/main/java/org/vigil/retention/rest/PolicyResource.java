package org.vigil.retention.rest;

import java.util.List;
import java.util.Map;

import org.vigil.contracts.Access;
import org.vigil.retention.config.RetentionConfig;
import org.vigil.retention.service.Policy;
import org.vigil.retention.service.StorageRoots;

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

    /**
     * The policy: days for recordings (default and overrides), events and ai_data; quotas; the low-disk threshold
     * and the recorders' floor; and the directories pruned.
     */
    public record PolicyView(int retentionDays, Map<String, Integer> siteDays, Map<String, Integer> cameraDays,
            int eventsDays, int aiDataDays, Map<String, Long> cameraQuotaBytes, Map<String, Long> siteQuotaBytes,
            double minHeadroomHours, long floorBytes, List<String> recordingsDirs) {
    }

    private final RetentionConfig config;
    private final Policy policy;
    private final StorageRoots roots;

    public PolicyResource(RetentionConfig config, Policy policy, StorageRoots roots) {
        this.config = config;
        this.policy = policy;
        this.roots = roots;
    }

    @GET
    public PolicyView policy() {
        return new PolicyView(policy.defaultDays(), policy.sites(), policy.cameras(), policy.eventsDays(),
                policy.aiDataDays(), policy.cameraQuotas(), policy.siteQuotas(), config.minHeadroomHours(),
                roots.floorBytes(), roots.all().stream().map(Object::toString).toList());
    }
}
