package org.vigil.gateway.service;

import java.net.URI;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.http.HttpClient;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.gateway.config.GatewayConfig;
import org.vigil.gateway.config.HttpClients;

/** Calls the event service on behalf of a signed-in user (their token, so the service applies their sites). */
@ApplicationScoped
public class EventServiceClient {

    private final HttpClient client;

    public EventServiceClient(Vertx vertx, GatewayConfig config) {
        URI events = config.eventsUrl();
        client = vertx.createHttpClient(HttpClients.to(events).setConnectTimeout(3000).setMaxPoolSize(16));
    }

    /** {@code {"events": [...], "statuses": [...]}}: what a live view starts from. */
    public Uni<String> liveSnapshot(String token) {
        return client.request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/api/live/snapshot?limit=50")
                .setTimeout(5000).putHeader("Authorization", "Bearer " + token))
                .chain(req -> req.send())
                .chain(resp -> resp.body().map(b -> {
                    if (resp.statusCode() != 200) {
                        throw new IllegalStateException("event service answered " + resp.statusCode());
                    }
                    return b.toString();
                }));
    }

}
