package org.vigil.gateway.messaging;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.contracts.MalformedMessageException;

/**
 * The gateway's view of the camera registry (the compacted cameras topic, read whole by every gateway instance), and
 * the one way the gateway changes it: a new desired state for a camera, written back to the topic.
 */
@ApplicationScoped
public class CameraRegistry {

    private static final Logger LOG = Logger.getLogger(CameraRegistry.class);

    private final Map<String, CameraConfig> cameras = new ConcurrentHashMap<>();
    private final Emitter<Record<String, byte[]>> out;

    public CameraRegistry(@Channel("cameras-out") Emitter<Record<String, byte[]>> out) {
        this.out = out;
    }

    @Incoming("cameras")
    public void on(ConsumerRecord<String, byte[]> r) {
        if (r.key() == null) {
            return;
        }
        if (r.value() == null) {
            cameras.remove(r.key());
            return;
        }
        try {
            cameras.put(r.key(), Json.read(r.value(), CameraConfig.class));
        } catch (MalformedMessageException e) {
            LOG.warnf("unreadable camera registry record %s: %s", r.key(), e.getMessage());
        }
    }

    public Optional<CameraConfig> get(String id) {
        return Optional.ofNullable(cameras.get(id));
    }

    public Collection<CameraConfig> all() {
        return List.copyOf(cameras.values());
    }

    /** Writes a camera's new desired state; completes when Kafka has it. */
    public CompletionStage<Void> put(CameraConfig c) {
        return send(c.id(), Json.write(c), () -> cameras.put(c.id(), c));
    }

    /** Deletes a camera from the registry (a tombstone): capture stops it; its footage stays for retention. */
    public CompletionStage<Void> delete(String id) {
        return send(id, null, () -> cameras.remove(id));
    }

    private CompletionStage<Void> send(String id, byte[] value, Runnable onStored) {
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        out.send(Message.of(Record.of(id, value)).withAck(() -> {
            onStored.run();
            done.complete(null);
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }).withNack(t -> {
            done.completeExceptionally(t);
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }));
        return done;
    }
}
