package org.vigil.events.messaging;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
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
 * Central's camera registry, as far as the event store needs it: each camera's site. A record mirrored from a site
 * node must be about a camera central registered for that site (design 0017: configuration flows central → site);
 * one about a camera central does not know, or about another site's camera, goes to dead letters with the reason.
 * Read from every partition of the compacted {@link Topics#CAMERAS} (no group); until it has been read to the end
 * once, mirrored records wait rather than be judged against half a registry.
 */
@ApplicationScoped
public class CameraSites {

    private static final Logger LOG = Logger.getLogger(CameraSites.class);

    private final Map<String, String> siteOf = new ConcurrentHashMap<>();
    private final Map<String, Boolean> enabled = new ConcurrentHashMap<>();
    private final String bootstrap;
    private CompactedTopics registry;

    public CameraSites(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        this.bootstrap = bootstrap;
    }

    void onStart(@Observes StartupEvent e) {
        registry = CompactedTopics.follow("camera-sites", bootstrap, "vigil-events-cameras", List.of(Topics.CAMERAS),
                CompactedTopics.IDLE_POLL, this::apply);
        registry.loaded().thenRun(() -> LOG.infof("camera registry loaded: %d cameras", siteOf.size()));
    }

    void onStop(@Observes ShutdownEvent e) {
        if (registry != null) {
            registry.stop();
        }
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        if (r.key() == null) {
            return;
        }
        if (r.value() == null) {
            siteOf.remove(r.key());
            enabled.remove(r.key());
            return;
        }
        try {
            CameraConfig c = Json.read(r.value(), CameraConfig.class);
            siteOf.put(r.key(), c.site());
            enabled.put(r.key(), c.enabled());
        } catch (MalformedMessageException e) {
            LOG.warnf("unreadable camera registry record %s: %s", r.key(), e.getMessage());
        }
    }

    /** The site the registry gives {@code camera}, if it knows it. */
    public java.util.Optional<String> siteOf(String camera) {
        return java.util.Optional.ofNullable(siteOf.get(camera));
    }

    /**
     * True when the registry, read to its end, does not hold {@code camera}: a camera deleted (or never added), whose
     * last status is history, not a state. False before the registry is loaded.
     */
    public boolean unknown(String camera) {
        return registry != null && registry.loaded().isDone() && !siteOf.containsKey(camera);
    }

    /** Completes once the registry has been read to its end. */
    Uni<Void> loaded() {
        return Uni.createFrom().completionStage(registry.loaded());
    }

    /**
     * Each enabled camera's site, once the registry has been read to its end (empty before: half a registry would
     * leave cameras out).
     */
    public java.util.Optional<Map<String, String>> enabledCameras() {
        if (registry == null || !registry.loaded().isDone()) {
            return java.util.Optional.empty();
        }
        Map<String, String> out = new java.util.TreeMap<>();
        siteOf.forEach((id, site) -> {
            if (enabled.getOrDefault(id, true)) {
                out.put(id, site);
            }
        });
        return java.util.Optional.of(out);
    }

    /** Refuses a record mirrored from {@code site} about a camera that is not central's camera of that site. */
    void check(String site, String cameraId) {
        String registered = siteOf.get(cameraId);
        if (registered == null) {
            throw new IllegalArgumentException("camera " + cameraId + " of site " + site
                    + " is not in central's camera registry: add it at central, where the sites' cameras are set up");
        }
        if (!registered.equals(site)) {
            throw new IllegalArgumentException("camera " + cameraId + " is registered for site " + registered
                    + ", not " + site + ": refused, a site speaks only for its own cameras");
        }
    }
}
