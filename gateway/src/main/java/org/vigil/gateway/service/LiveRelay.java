package org.vigil.gateway.service;

import java.time.Duration;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.vigil.contracts.LiveUpdate;
import org.vigil.gateway.ws.LiveClients;

/**
 * Subscribes to every site's live channel in Redis and relays each message, unchanged, to this gateway's WebSocket
 * clients allowed to see that site. Every gateway instance does the same, so clients may connect to any of them.
 *
 * <p>Redis is watched (a PING every 2 s). When it is lost, clients are told the feed is degraded; when it is back,
 * the old subscription is dropped, a new one made (so no message is relayed twice), clients are told the feed is
 * restored and each gets a fresh snapshot, which covers what happened meanwhile.
 */
@ApplicationScoped
public class LiveRelay {

    private static final Logger LOG = Logger.getLogger(LiveRelay.class);
    private static final Duration WATCH = Duration.ofSeconds(2);

    private final ReactiveRedisDataSource redis;
    private final LiveClients clients;
    private volatile ReactivePubSubCommands.ReactiveRedisSubscriber subscriber;
    private volatile boolean live;
    private volatile boolean started;
    private volatile boolean busy;
    private volatile boolean stopping;
    private volatile long watchTimer = -1;

    public LiveRelay(ReactiveRedisDataSource redis, LiveClients clients) {
        this.redis = redis;
        this.clients = clients;
    }

    void onStart(@Observes StartupEvent e, Vertx vertx) {
        subscribe(false);
        watchTimer = vertx.setPeriodic(WATCH.toMillis(), id -> watch());
    }

    /** The gateway stops: its own Redis client closes next, which is not Redis being lost. */
    void onStop(@Observes ShutdownEvent e, Vertx vertx) {
        stopping = true;
        vertx.cancelTimer(watchTimer);
    }

    private void watch() {
        if (busy || stopping) {
            return;
        }
        busy = true;
        redis.execute("PING").ifNoItem().after(WATCH).fail().subscribe().with(ok -> {
            busy = false;
            if (!live) {
                subscribe(true);
            }
        }, failure -> {
            busy = false;
            if (live && !stopping) {
                live = false;
                LOG.warnf("Redis unreachable (%s): live updates paused", failure.getMessage());
                clients.broadcast("{\"v\":1,\"type\":\"status\",\"live\":\"degraded\",\"message\":\"live updates "
                        + "are paused; the server reconnects by itself\"}");
            }
        });
    }

    private void subscribe(boolean afterOutage) {
        ReactivePubSubCommands.ReactiveRedisSubscriber old = subscriber;
        subscriber = null;
        if (old != null) {
            old.unsubscribe().subscribe().with(ok -> {
            }, failure -> {
            });
        }
        busy = true;
        redis.pubsub(String.class)
                .subscribeToPattern(LiveUpdate.CHANNEL_PREFIX + "*",
                        (channel, json) -> clients.send(channel.substring(LiveUpdate.CHANNEL_PREFIX.length()), json))
                .subscribe().with(s -> {
                    subscriber = s;
                    live = true;
                    started = true;
                    busy = false;
                    LOG.info(afterOutage ? "Redis is back: live updates resume" : "relaying live updates from Redis");
                    if (afterOutage) {
                        clients.broadcast("{\"v\":1,\"type\":\"status\",\"live\":\"restored\"}");
                        clients.resnapshot();
                    }
                }, failure -> {
                    busy = false;
                    LOG.warnf("cannot subscribe to Redis (%s); retrying", failure.getMessage());
                });
    }

    /** Subscribed once since start (the gateway is usable; the live feed may be degraded, see {@link #live()}). */
    public boolean subscribed() {
        return started;
    }

    /** Relaying right now. */
    public boolean live() {
        return live;
    }
}
