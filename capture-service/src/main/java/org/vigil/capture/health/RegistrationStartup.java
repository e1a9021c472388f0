package org.vigil.capture.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Startup;
import org.vigil.capture.messaging.SourceRegistration;

/** Started once the cameras of CAMERA_SOURCES are in the registry. */
@Startup
@ApplicationScoped
public class RegistrationStartup implements HealthCheck {

    private final SourceRegistration registration;

    public RegistrationStartup(SourceRegistration registration) {
        this.registration = registration;
    }

    @Override
    public HealthCheckResponse call() {
        var b = HealthCheckResponse.named("camera-sources-registered").status(registration.done());
        if (registration.problem() != null) {
            b.withData("problem", registration.problem());
        }
        return b.build();
    }
}
