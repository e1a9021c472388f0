package org.vigil.events.service;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;
import org.vigil.contracts.Json;
import org.vigil.contracts.LiveUpdate;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Publishes durable changes to Redis, one channel per site. Fan-out is best effort by design: when Redis is down the
 * change is still in PostgreSQL (clients get it in their next snapshot), so a Redis failure is counted and logged,
 * never allowed to fail or stall consumption from Kafka. After a failure, publishing is skipped for a short while
 * instead of waiting on a dead connection for every message.
 */
@ApplicationScoped
public class LiveFanout {

    private static final Logger LOG = Logger.getLogger(LiveFanout.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final long BACK_OFF_MS = 2_000;

    private final ReactivePubSubCommands<String> pubsub;
    private final MeterRegistry metrics;
    private volatile long lastWarning;
    private volatile long downUntil;

    public LiveFanout(ReactiveRedisDataSource redis, MeterRegistry metrics) {
        this.pubsub = redis.pubsub(String.class);
        this.metrics = metrics;
    }

    public Uni<Void> publish(List<LiveUpdate> updates) {
        if (updates.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        if (System.currentTimeMillis() < downUntil) {
            metrics.counter("vigil_events_fanout_total", "outcome", "skipped").increment(updates.size());
            return Uni.createFrom().voidItem();
        }
        List<Uni<Void>> sends = new ArrayList<>(updates.size());
        for (LiveUpdate u : updates) {
            sends.add(pubsub.publish(LiveUpdate.channel(u.site()), new String(Json.write(u), StandardCharsets.UTF_8)));
        }
        return Uni.join().all(sends).andFailFast()
                .ifNoItem().after(TIMEOUT).fail()
                .invoke(() -> metrics.counter("vigil_events_fanout_total", "outcome", "published")
                        .increment(updates.size()))
                .onFailure().recoverWithItem(e -> {
                    downUntil = System.currentTimeMillis() + BACK_OFF_MS;
                    metrics.counter("vigil_events_fanout_total", "outcome", "failed").increment(updates.size());
                    long now = System.currentTimeMillis();
                    if (now - lastWarning > 30_000) {
                        lastWarning = now;
                        LOG.warnf("live fan-out to Redis failed (%s); changes stay in PostgreSQL", e.getMessage());
                    }
                    return null;
                })
                .replaceWithVoid();
    }
}
