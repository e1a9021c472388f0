package org.vigil.capture.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.vigil.capture.messaging.CameraOwnership;
import org.vigil.capture.service.CameraSupervisor;

/** Ready once this instance has joined the capture group of each of its sites through Kafka and so knows which cameras it owns. */
@Readiness
@ApplicationScoped
public class OwnershipReadiness implements HealthCheck {

    private final CameraOwnership ownership;
    private final CameraSupervisor supervisor;

    public OwnershipReadiness(CameraOwnership ownership, CameraSupervisor supervisor) {
        this.ownership = ownership;
        this.supervisor = supervisor;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("camera-ownership")
                .status(ownership.joined())
                .withData("partitions", ownership.assignedPartitions())
                .withData("cameras", supervisor.cameraIds().size())
                .build();
    }
}
