package org.vigil.capture.health;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.vigil.capture.config.CaptureConfig;
import org.vigil.capture.service.CameraSupervisor;

/**
 * Whether the cameras captured here deliver: stale ones (no packet for {@code vigil.capture.stale-after}) are listed;
 * the instance is not ready when it captures cameras and all of them are stale. One dead camera among live ones is a
 * camera problem (its status says no_signal or offline, and an alert fires), not a reason to take the instance out.
 */
@Readiness
@ApplicationScoped
public class CameraFreshness implements HealthCheck {

    private final CameraSupervisor supervisor;
    private final Duration staleAfter;
    private final InstantSource clock;

    public CameraFreshness(CameraSupervisor supervisor, CaptureConfig config, InstantSource clock) {
        this.supervisor = supervisor;
        this.staleAfter = config.staleAfter();
        this.clock = clock;
    }

    @Override
    public HealthCheckResponse call() {
        Map<String, Instant> last = supervisor.lastPackets();
        List<String> stale = stale(last, clock.instant(), staleAfter);
        return HealthCheckResponse.named("camera-freshness")
                .status(ready(last.size(), stale.size()))
                .withData("cameras", last.size())
                .withData("fresh", last.size() - stale.size())
                .withData("stale", String.join(",", stale))
                .withData("staleAfterSeconds", staleAfter.toSeconds())
                .build();
    }

    static List<String> stale(Map<String, Instant> lastPackets, Instant now, Duration staleAfter) {
        Instant limit = now.minus(staleAfter);
        return lastPackets.entrySet().stream().filter(e -> e.getValue().isBefore(limit)).map(Map.Entry::getKey)
                .sorted().toList();
    }

    /** Ready with no camera to capture, or with at least one fresh. */
    static boolean ready(int cameras, int stale) {
        return cameras == 0 || stale < cameras;
    }
}
