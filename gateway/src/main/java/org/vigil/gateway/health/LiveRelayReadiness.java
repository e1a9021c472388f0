package org.vigil.gateway.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.vigil.gateway.service.LiveRelay;
import org.vigil.gateway.ws.LiveClients;

/** Ready once subscribed to the live channels in Redis; a later Redis outage shows as {@code live=false}. */
@Readiness
@ApplicationScoped
public class LiveRelayReadiness implements HealthCheck {

    private final LiveRelay relay;
    private final LiveClients clients;

    public LiveRelayReadiness(LiveRelay relay, LiveClients clients) {
        this.relay = relay;
        this.clients = clients;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("live-relay").status(relay.subscribed())
                .withData("websocketClients", clients.size()).withData("live", relay.live()).build();
    }
}
