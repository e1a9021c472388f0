package org.vigil.recorder.health;

import java.nio.file.Files;
import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.vigil.recorder.config.RecorderConfig;
import org.vigil.recorder.messaging.MediaConsumer;
import org.vigil.recorder.messaging.Registry;
import org.vigil.recorder.service.RecordingService;
import org.vigil.recorder.service.Storage;

/**
 * Ready when the recordings directory takes writes, the registry is loaded, the media group joined and the lag bounded:
 * while writing, no further behind the cameras than {@code vigil.recorder.max-lag}, and the consumer loop polling. A
 * pause for low disk keeps the recorder ready (it is doing the right thing, and says so in the data and in an alert).
 */
@Readiness
@ApplicationScoped
public class RecorderReadiness implements HealthCheck {

    private final Storage storage;
    private final Registry registry;
    private final MediaConsumer consumer;
    private final RecordingService recording;
    private final double maxLagSeconds;

    public RecorderReadiness(Storage storage, Registry registry, MediaConsumer consumer, RecordingService recording,
            RecorderConfig config) {
        this.maxLagSeconds = config.maxLag().toMillis() / 1000.0;
        this.storage = storage;
        this.registry = registry;
        this.consumer = consumer;
        this.recording = recording;
    }

    @Override
    public HealthCheckResponse call() {
        Path dir = storage.current().root();
        boolean writable = writable(dir);
        double lag = consumer.lagSeconds();
        double sincePoll = consumer.sinceLastPollSeconds();
        boolean lagBounded = lagBounded(recording.state() == RecordingService.State.RUNNING, lag, sincePoll,
                maxLagSeconds);
        return HealthCheckResponse.named("recorder")
                .status(writable && registry.caughtUp() && consumer.joined() && lagBounded)
                .withData("recordingsDir", dir.toString())
                .withData("recordingsDirWritable", writable)
                .withData("registryLoaded", registry.caughtUp())
                .withData("mediaGroupJoined", consumer.joined())
                .withData("state", recording.state().name().toLowerCase())
                .withData("lagSeconds", Math.round(lag))
                .withData("lagRecords", consumer.lagRecords())
                .withData("maxLagSeconds", Math.round(maxLagSeconds))
                .withData("lagBounded", lagBounded)
                .build();
    }

    /**
     * The lag bound: the consumer loop must keep polling (a loop stuck on a hung volume stops), and while writing the
     * recorder must be no further behind the cameras than the limit. Paused for low disk, falling behind is expected.
     */
    static boolean lagBounded(boolean writing, double lagSeconds, double sinceLastPollSeconds, double maxLagSeconds) {
        return sinceLastPollSeconds <= maxLagSeconds && (!writing || lagSeconds <= maxLagSeconds);
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
