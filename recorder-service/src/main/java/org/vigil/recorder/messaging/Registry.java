package org.vigil.recorder.messaging;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

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
import org.vigil.contracts.StorageSettings;
import org.vigil.contracts.Topics;
import org.vigil.runtime.kafka.CompactedTopics;

/**
 * The camera registry and the storage settings, kept current by reading every partition of both compacted topics (no
 * consumer group: every recorder needs every camera's site and recording switch, and the one storage setting).
 */
@ApplicationScoped
public class Registry {

    private static final Logger LOG = Logger.getLogger(Registry.class);

    private final Map<String, CameraConfig> cameras = new ConcurrentHashMap<>();
    private final List<Consumer<StorageSettings>> storageListeners = new CopyOnWriteArrayList<>();
    private volatile StorageSettings storage;
    private final String bootstrap;
    private CompactedTopics topics;
    /** Camera records applied: a change tells the recorder to forget which cameras it found unregistered. */
    private final java.util.concurrent.atomic.AtomicLong cameraChanges = new java.util.concurrent.atomic.AtomicLong();

    public Registry(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        this.bootstrap = bootstrap;
    }

    void onStart(@Observes StartupEvent e) {
        topics = CompactedTopics.follow("registry", bootstrap, "vigil-recorder-registry",
                List.of(Topics.CAMERAS, Topics.SETTINGS), Duration.ofMillis(500), this::apply);
        topics.loaded().thenRun(() -> LOG.infof("registry loaded: %d cameras, storage %s", cameras.size(),
                storage == null ? "from RECORDINGS_DIR" : storage.recordingsDir()));
    }

    void onStop(@Observes ShutdownEvent e) {
        if (topics != null) {
            topics.stop();
        }
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        if (r.key() == null) {
            return;
        }
        if (r.topic().equals(Topics.SETTINGS)) {
            if (StorageSettings.KEY.equals(r.key()) && r.value() != null) {
                try {
                    StorageSettings s = Json.read(r.value(), StorageSettings.class);
                    storage = s;
                    storageListeners.forEach(l -> l.accept(s));
                } catch (MalformedMessageException e) {
                    LOG.warnf("unreadable storage settings: %s", e.getMessage());
                }
            }
            return;
        }
        cameraChanges.incrementAndGet();
        if (r.value() == null) {
            cameras.remove(r.key());
            return;
        }
        try {
            CameraConfig c = Json.read(r.value(), CameraConfig.class);
            CameraConfig before = cameras.put(r.key(), c);
            if (before != null && before.recording() != c.recording()) {
                LOG.infof("camera %s: recording %s (by %s)", c.id(), c.recording() ? "on" : "off", c.updatedBy());
            }
        } catch (MalformedMessageException e) {
            LOG.warnf("unreadable camera registry record %s: %s", r.key(), e.getMessage());
        }
    }

    /** The camera's registry entry, or {@code null} when it is not registered. */
    public CameraConfig get(String cameraId) {
        return cameras.get(cameraId);
    }

    /** Every registered camera. */
    public java.util.Collection<CameraConfig> all() {
        return java.util.List.copyOf(cameras.values());
    }

    /** Whether no camera is registered (at any site). */
    public boolean empty() {
        return cameras.isEmpty();
    }

    /** The storage settings an admin last set, if any. */
    public Optional<StorageSettings> storage() {
        return Optional.ofNullable(storage);
    }

    /** Calls {@code listener} on the registry thread with every storage setting read, old and new. */
    public void onStorage(Consumer<StorageSettings> listener) {
        storageListeners.add(listener);
        StorageSettings s = storage;
        if (s != null) {
            listener.accept(s);
        }
    }

    /** Grows with every camera record applied. */
    public long cameraChanges() {
        return cameraChanges.get();
    }

    /**
     * Grows each time the registry has read every record its topics held (see {@link CompactedTopics#readToEnd()}):
     * once it has grown by two since a moment, any camera registered before that moment is in {@link #get}.
     */
    public long readToEnd() {
        return topics == null ? 0 : topics.readToEnd();
    }

    /** Whether the registry has been read to the end once: before that, "unknown camera" means nothing. */
    public boolean caughtUp() {
        return topics != null && topics.loaded().isDone();
    }
}
