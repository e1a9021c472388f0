package org.vigil.recorder.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.contracts.MalformedMessageException;
import org.vigil.contracts.StorageSettings;
import org.vigil.contracts.Topics;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The camera registry and the storage settings, kept current by reading every partition of both compacted topics (no
 * consumer group: every recorder needs every camera's site and recording switch, and the one storage setting).
 */
@ApplicationScoped
public class Registry implements Runnable {

    private static final Logger LOG = Logger.getLogger(Registry.class);

    private final Map<String, CameraConfig> cameras = new ConcurrentHashMap<>();
    private final List<Consumer<StorageSettings>> storageListeners = new CopyOnWriteArrayList<>();
    private volatile StorageSettings storage;
    private final Properties props = new Properties();
    private volatile boolean caughtUp;
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    public Registry(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "vigil-recorder-registry");
    }

    void onStart(@Observes StartupEvent e) {
        thread = new Thread(this, "registry");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes ShutdownEvent e) {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    @Override
    public void run() {
        while (running) {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(),
                    new ByteArrayDeserializer())) {
                consumer = c;
                List<TopicPartition> parts = new ArrayList<>();
                for (String topic : List.of(Topics.CAMERAS, Topics.SETTINGS)) {
                    c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                            .map(i -> new TopicPartition(i.topic(), i.partition())).forEach(parts::add);
                }
                c.assign(parts);
                c.seekToBeginning(parts);
                Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
                while (running) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                        apply(r);
                    }
                    if (!caughtUp && parts.stream().allMatch(tp -> c.position(tp) >= end.get(tp))) {
                        caughtUp = true;
                        LOG.infof("registry loaded: %d cameras, storage %s", cameras.size(),
                                storage == null ? "from RECORDINGS_DIR" : storage.recordingsDir());
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warnf("camera registry reader failed (%s); retrying in 5 s", e.getMessage());
                try {
                    Thread.sleep(5000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
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

    /** Whether the registry has been read to the end once: before that, "unknown camera" means nothing. */
    public boolean caughtUp() {
        return caughtUp;
    }
}
