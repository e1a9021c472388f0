package org.vigil.sitelink.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.vigil.sitelink.messaging.SiteLink;

/** Ready once MirrorMaker has started; a site's contact is judged at central by event-service, from its heartbeats. */
@Readiness
@ApplicationScoped
public class SiteLinkReadiness implements HealthCheck {

    private final SiteLink link;

    public SiteLinkReadiness(SiteLink link) {
        this.link = link;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("site-link").status(link.running()).build();
    }
}
