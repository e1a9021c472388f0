package org.vigil.retention.messaging;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.contracts.MalformedMessageException;
import org.vigil.contracts.Topics;
import org.vigil.runtime.kafka.CompactedTopics;

/**
 * Follows the camera registry (the compacted cameras topic, read from the start by every instance) for one field: a
 * camera's own retention days, set by an admin of its site through the gateway (design 0018 §1). A camera removed from
 * the registry, or set back to none, falls back to its site's policy. Only the days are kept: the registry's other
 * fields (addresses, sealed credentials) are never held here, only each camera's site, for the checks of
 * {@code POST /api/retention/dry-run/cameras}.
 */
@ApplicationScoped
public class CameraRetentionReader implements org.vigil.retention.service.Policy.Registry {

    private static final Logger LOG = Logger.getLogger(CameraRetentionReader.class);

    private final String bootstrap;
    private final Map<String, Integer> days = new ConcurrentHashMap<>();
    private final Map<String, String> sites = new ConcurrentHashMap<>();
    private volatile CompactedTopics registry;

    public CameraRetentionReader(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        this.bootstrap = bootstrap;
    }

    void onStart(@Observes StartupEvent e) {
        registry = CompactedTopics.follow("camera-retention", bootstrap, "vigil-retention-cameras",
                List.of(Topics.CAMERAS), CompactedTopics.IDLE_POLL, this::apply);
    }

    void onStop(@Observes ShutdownEvent e) {
        if (registry != null) {
            registry.stop();
        }
    }

    /** Each camera's own days, where the registry sets one. */
    @Override
    public Map<String, Integer> days() {
        return Map.copyOf(days);
    }

    /** The site the registry puts a camera on, if it has the camera. */
    public java.util.Optional<String> siteOf(String camera) {
        return java.util.Optional.ofNullable(sites.get(camera));
    }

    /**
     * Whether the registry has been read to its end once, waiting up to {@code wait}: before that, a camera missing
     * from {@link #days()} may just not be read yet, and its footage must not be judged by its site's shorter days.
     */
    @Override
    public boolean loaded(Duration wait) {
        CompactedTopics r = registry;
        if (r == null) {
            return false;
        }
        try {
            r.loaded().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    void apply(ConsumerRecord<String, byte[]> r) {
        if (r.key() == null) {
            return;
        }
        if (r.value() == null) {
            days.remove(r.key()); // deleted: its footage stays until its site's policy takes it
            sites.remove(r.key());
            return;
        }
        try {
            CameraConfig c = Json.read(r.value(), CameraConfig.class);
            sites.put(r.key(), c.site());
            Integer d = c.retentionDays();
            if (d != null && d >= 1) {
                days.put(r.key(), d);
            } else {
                days.remove(r.key());
            }
        } catch (MalformedMessageException ex) {
            // kept as it was: an unreadable record must not shorten what a camera keeps
            LOG.warnf("camera %s: unreadable registry record, its retention days are left as they were: %s",
                    r.key(), ex.getMessage());
        }
    }
}
