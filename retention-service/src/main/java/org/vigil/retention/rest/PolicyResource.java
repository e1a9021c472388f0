package org.vigil.retention.rest;

import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.Claim;
import org.vigil.contracts.Access;
import org.vigil.retention.config.RetentionConfig;
import org.vigil.retention.service.Policy;
import org.vigil.retention.service.StorageRoots;

/** The retention policy in force: every site's days, quotas and directories, so an admin of every site only. */
@Path("/api/retention/policy")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Access.ADMIN)
@RequestScoped
public class PolicyResource {

    @Inject
    @Claim(Access.SITES_CLAIM)
    Set<String> sites;

    /**
     * The policy of recordings: days (default and overrides; a camera's are those in force, from the camera registry
     * and RETENTION_DAYS_BY_CAMERA, which wins); quotas; the low-disk threshold and the recorders'
     * floor; and the directories pruned. (The event store's days are event-service's: its retention report has them.)
     */
    public record PolicyView(int retentionDays, Map<String, Integer> siteDays, Map<String, Integer> cameraDays,
            Map<String, Long> cameraQuotaBytes, Map<String, Long> siteQuotaBytes,
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
    public Response policy() {
        if (!Access.everySite(sites)) {
            return Response.status(403).type(MediaType.APPLICATION_JSON).entity(Map.of("error", "forbidden",
                    "message", "the retention policy covers every site: only an admin of every site (\"*\") may see "
                            + "it")).build();
        }
        return Response.ok(view()).build();
    }

    private PolicyView view() {
        return new PolicyView(policy.defaultDays(), policy.sites(), policy.cameras(),
                policy.cameraQuotas(), policy.siteQuotas(), config.minHeadroomHours(),
                roots.floorBytes(), roots.all().stream().map(Object::toString).toList());
    }
}
