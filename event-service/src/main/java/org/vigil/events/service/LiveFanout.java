package org.vigil.events.service;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import org.vigil.contracts.Json;
import org.vigil.contracts.LiveUpdate;

/**
 * Publishes durable changes to Redis, one channel per site; each message is a JSON array of {@link LiveUpdate}s (the
 * changes of one batch on that site). Fan-out is best effort by design: when Redis is down the
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
        // one message per site per batch (a JSON array), sites one after another: a burst of thousands of changes
        // costs a few PUBLISH commands, not thousands of round trips
        Map<String, List<LiveUpdate>> bySite = new LinkedHashMap<>();
        updates.forEach(u -> bySite.computeIfAbsent(u.site(), k -> new ArrayList<>()).add(u));
        return Multi.createFrom().iterable(bySite.entrySet())
                .onItem().transformToUniAndConcatenate(e -> pubsub.publish(LiveUpdate.channel(e.getKey()),
                        new String(Json.write(e.getValue()), StandardCharsets.UTF_8)))
                .collect().last()
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
