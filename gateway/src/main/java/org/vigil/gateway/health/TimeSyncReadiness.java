package org.vigil.gateway.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.vigil.gateway.service.TimeSync;

/**
 * This host's clock against NTP_SERVER, as {@code time_sync_status} ({@code synced} under 5 s of offset,
 * {@code unsynced} above, {@code unknown} when it cannot be measured). Reported, never a reason to stop serving: an
 * unsynced clock is an operator's alert, not an outage.
 */
@Readiness
@ApplicationScoped
public class TimeSyncReadiness implements HealthCheck {

    private final TimeSync timeSync;

    public TimeSyncReadiness(TimeSync timeSync) {
        this.timeSync = timeSync;
    }

    @Override
    public HealthCheckResponse call() {
        TimeSync.Status s = timeSync.status();
        HealthCheckResponseBuilder b = HealthCheckResponse.named("time-sync").up()
                .withData("time_sync_status", s.status());
        if (s.offsetMs() != null) {
            b.withData("offset_ms", s.offsetMs());
        }
        if (s.server() != null) {
            b.withData("ntp_server", s.server());
        }
        return b.build();
    }
}
