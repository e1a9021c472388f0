package org.vigil.gateway.service;

import java.time.Duration;

import org.jboss.logging.Logger;
import org.vigil.contracts.LiveUpdate;
import org.vigil.gateway.ws.LiveClients;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Subscribes to every site's live channel in Redis and relays each message, unchanged, to this gateway's WebSocket
 * clients allowed to see that site. Every gateway instance does the same, so clients may connect to any of them.
 */
@ApplicationScoped
public class LiveRelay {

    private static final Logger LOG = Logger.getLogger(LiveRelay.class);

    private final ReactiveRedisDataSource redis;
    private final LiveClients clients;
    private volatile boolean subscribed;

    public LiveRelay(ReactiveRedisDataSource redis, LiveClients clients) {
        this.redis = redis;
        this.clients = clients;
    }

    void onStart(@Observes StartupEvent e) {
        subscribe();
    }

    private void subscribe() {
        redis.pubsub(String.class)
                .subscribeToPattern(LiveUpdate.CHANNEL_PREFIX + "*",
                        (channel, json) -> clients.send(channel.substring(LiveUpdate.CHANNEL_PREFIX.length()), json))
                .subscribe().with(s -> {
                    subscribed = true;
                    LOG.info("relaying live updates from Redis");
                }, failure -> {
                    LOG.warnf("cannot subscribe to Redis (%s); retrying in 5 s", failure.getMessage());
                    Infrastructure.getDefaultWorkerPool().schedule(this::subscribe, Duration.ofSeconds(5).toMillis(),
                            java.util.concurrent.TimeUnit.MILLISECONDS);
                });
    }

    public boolean subscribed() {
        return subscribed;
    }
}
