package org.vigil.recorder.health;

import java.nio.file.Files;
import java.nio.file.Path;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.vigil.recorder.config.RecorderConfig;
import org.vigil.recorder.messaging.MediaConsumer;
import org.vigil.recorder.service.CameraDirectory;

import jakarta.enterprise.context.ApplicationScoped;

/** Ready when the recordings directory takes writes, the camera registry is loaded and the media group joined. */
@Readiness
@ApplicationScoped
public class RecorderReadiness implements HealthCheck {

    private final RecorderConfig config;
    private final CameraDirectory directory;
    private final MediaConsumer consumer;

    public RecorderReadiness(RecorderConfig config, CameraDirectory directory, MediaConsumer consumer) {
        this.config = config;
        this.directory = directory;
        this.consumer = consumer;
    }

    @Override
    public HealthCheckResponse call() {
        Path dir = config.recordingsDir();
        boolean writable = writable(dir);
        return HealthCheckResponse.named("recorder")
                .status(writable && directory.caughtUp() && consumer.joined())
                .withData("recordingsDir", dir.toAbsolutePath().toString())
                .withData("recordingsDirWritable", writable)
                .withData("cameraRegistryLoaded", directory.caughtUp())
                .withData("mediaGroupJoined", consumer.joined())
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
