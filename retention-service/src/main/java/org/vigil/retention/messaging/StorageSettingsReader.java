package org.vigil.retention.messaging;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.vigil.contracts.Json;
import org.vigil.contracts.MalformedMessageException;
import org.vigil.contracts.StorageSettings;
import org.vigil.contracts.Topics;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Follows the storage settings an admin set through the recorder's storage API (the compacted settings topic, read
 * from the start by every instance): where recorders write now, where they wrote before, and their free-space floor.
 * Until one exists, RECORDINGS_DIR and RECORDINGS_MIN_FREE apply, as they do for the recorders.
 */
@ApplicationScoped
public class StorageSettingsReader implements Runnable {

    private static final Logger LOG = Logger.getLogger(StorageSettingsReader.class);

    private final Properties props = new Properties();
    private volatile StorageSettings latest;
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;

    public StorageSettingsReader(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "vigil-retention-settings");
    }

    void onStart(@Observes StartupEvent e) {
        Thread t = new Thread(this, "storage-settings");
        t.setDaemon(true);
        t.start();
    }

    void onStop(@Observes ShutdownEvent e) {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /** The settings an admin last set, if any. */
    public Optional<StorageSettings> latest() {
        return Optional.ofNullable(latest);
    }

    @Override
    public void run() {
        while (running) {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(),
                    new ByteArrayDeserializer())) {
                consumer = c;
                List<TopicPartition> parts = c.partitionsFor(Topics.SETTINGS, Duration.ofSeconds(30)).stream()
                        .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
                c.assign(parts);
                c.seekToBeginning(parts);
                while (running) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(1000))) {
                        if (StorageSettings.KEY.equals(r.key()) && r.value() != null) {
                            try {
                                latest = Json.read(r.value(), StorageSettings.class);
                            } catch (MalformedMessageException ex) {
                                LOG.warnf("unreadable storage settings: %s", ex.getMessage());
                            }
                        }
                    }
                }
            } catch (WakeupException ex) {
                return;
            } catch (RuntimeException ex) {
                LOG.warnf("storage settings reader failed (%s); retrying in 5 s", ex.getMessage());
                try {
                    Thread.sleep(5000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
