package org.vigil.events.service;

import java.nio.charset.StandardCharsets;

import org.jboss.logging.Logger;
import org.vigil.contracts.Json;
import org.vigil.contracts.LiveUpdate;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Publishes durable changes to Redis, one channel per site. Fan-out is best effort by design: when Redis is down
 * the change is still in PostgreSQL (clients get it in their next snapshot), so a Redis failure is counted and
 * logged, never allowed to fail or stall consumption from Kafka.
 */
@ApplicationScoped
public class LiveFanout {

    private static final Logger LOG = Logger.getLogger(LiveFanout.class);

    private final ReactivePubSubCommands<String> pubsub;
    private final MeterRegistry metrics;
    private volatile long lastWarning;

    public LiveFanout(ReactiveRedisDataSource redis, MeterRegistry metrics) {
        this.pubsub = redis.pubsub(String.class);
        this.metrics = metrics;
    }

    public Uni<Void> publish(LiveUpdate u) {
        String json = new String(Json.write(u), StandardCharsets.UTF_8);
        return pubsub.publish(LiveUpdate.channel(u.site()), json)
                .ifNoItem().after(java.time.Duration.ofSeconds(2)).fail()
                .invoke(() -> metrics.counter("vigil_events_fanout_total", "outcome", "published").increment())
                .onFailure().recoverWithItem(e -> {
                    metrics.counter("vigil_events_fanout_total", "outcome", "failed").increment();
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
