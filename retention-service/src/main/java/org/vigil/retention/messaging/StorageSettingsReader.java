package org.vigil.retention.messaging;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.vigil.contracts.Json;
import org.vigil.contracts.MalformedMessageException;
import org.vigil.contracts.StorageSettings;
import org.vigil.contracts.Topics;
import org.vigil.runtime.kafka.ConsumerLoop;

/**
 * Follows the storage settings an admin set through the recorder's storage API (the compacted settings topic, read
 * from the start by every instance): where recorders write now, where they wrote before, and their free-space floor.
 * Until one exists, RECORDINGS_DIR and RECORDINGS_MIN_FREE apply, as they do for the recorders.
 */
@ApplicationScoped
public class StorageSettingsReader implements ConsumerLoop.Body {

    private static final Logger LOG = Logger.getLogger(StorageSettingsReader.class);

    private final Properties props;
    private volatile StorageSettings latest;
    private ConsumerLoop loop;

    public StorageSettingsReader(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        props = ConsumerLoop.properties(bootstrap, "vigil-retention-settings");
    }

    void onStart(@Observes StartupEvent e) {
        loop = ConsumerLoop.start("storage-settings", props, Duration.ofSeconds(1), this);
    }

    void onStop(@Observes ShutdownEvent e) {
        if (loop != null) {
            loop.stop(ConsumerLoop.CLOSE_TIMEOUT);
        }
    }

    /** The settings an admin last set, if any. */
    public Optional<StorageSettings> latest() {
        return Optional.ofNullable(latest);
    }

    @Override
    public void open(KafkaConsumer<String, byte[]> c) {
        List<TopicPartition> parts = ConsumerLoop.partitionsOf(c, List.of(Topics.SETTINGS));
        c.assign(parts);
        c.seekToBeginning(parts);
    }

    @Override
    public void poll(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        for (ConsumerRecord<String, byte[]> r : records) {
            if (StorageSettings.KEY.equals(r.key()) && r.value() != null) {
                try {
                    latest = Json.read(r.value(), StorageSettings.class);
                } catch (MalformedMessageException ex) {
                    LOG.warnf("unreadable storage settings: %s", ex.getMessage());
                }
            }
        }
    }
}
