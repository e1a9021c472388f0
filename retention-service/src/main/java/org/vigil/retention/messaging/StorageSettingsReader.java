package org.vigil.retention.messaging;

import java.util.List;
import java.util.Optional;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.vigil.contracts.Json;
import org.vigil.contracts.MalformedMessageException;
import org.vigil.contracts.StorageSettings;
import org.vigil.contracts.Topics;
import org.vigil.runtime.kafka.CompactedTopics;

/**
 * Follows the storage settings an admin set through the recorder's storage API (the compacted settings topic, read
 * from the start by every instance): where recorders write now, where they wrote before, and their free-space floor.
 * Until one exists, RECORDINGS_DIR and RECORDINGS_MIN_FREE apply, as they do for the recorders.
 */
@ApplicationScoped
public class StorageSettingsReader {

    private static final Logger LOG = Logger.getLogger(StorageSettingsReader.class);

    private final String bootstrap;
    private volatile StorageSettings latest;
    private CompactedTopics settings;

    public StorageSettingsReader(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        this.bootstrap = bootstrap;
    }

    void onStart(@Observes StartupEvent e) {
        settings = CompactedTopics.follow("storage-settings", bootstrap, "vigil-retention-settings",
                List.of(Topics.SETTINGS), CompactedTopics.IDLE_POLL, this::apply);
    }

    void onStop(@Observes ShutdownEvent e) {
        if (settings != null) {
            settings.stop();
        }
    }

    /** The settings an admin last set, if any. */
    public Optional<StorageSettings> latest() {
        return Optional.ofNullable(latest);
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        if (StorageSettings.KEY.equals(r.key()) && r.value() != null) {
            try {
                latest = Json.read(r.value(), StorageSettings.class);
            } catch (MalformedMessageException ex) {
                LOG.warnf("unreadable storage settings: %s", ex.getMessage());
            }
        }
    }
}
