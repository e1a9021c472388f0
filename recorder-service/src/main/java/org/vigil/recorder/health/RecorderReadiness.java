package org.vigil.recorder.health;

import java.nio.file.Files;
import java.nio.file.Path;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.vigil.recorder.messaging.MediaConsumer;
import org.vigil.recorder.service.RecordingService;
import org.vigil.recorder.service.Registry;
import org.vigil.recorder.service.Storage;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Ready when the recordings directory takes writes, the registry is loaded and the media group joined. A pause for low
 * disk keeps the recorder ready (it is doing the right thing, and says so in the data and in an alert).
 */
@Readiness
@ApplicationScoped
public class RecorderReadiness implements HealthCheck {

    private final Storage storage;
    private final Registry registry;
    private final MediaConsumer consumer;
    private final RecordingService recording;

    public RecorderReadiness(Storage storage, Registry registry, MediaConsumer consumer, RecordingService recording) {
        this.storage = storage;
        this.registry = registry;
        this.consumer = consumer;
        this.recording = recording;
    }

    @Override
    public HealthCheckResponse call() {
        Path dir = storage.current().root();
        boolean writable = writable(dir);
        return HealthCheckResponse.named("recorder")
                .status(writable && registry.caughtUp() && consumer.joined())
                .withData("recordingsDir", dir.toString())
                .withData("recordingsDirWritable", writable)
                .withData("registryLoaded", registry.caughtUp())
                .withData("mediaGroupJoined", consumer.joined())
                .withData("state", recording.state().name().toLowerCase())
                .build();
    }

    private static boolean writable(Path dir) {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".health-", ".tmp");
            Files.delete(probe);
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
