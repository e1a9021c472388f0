package org.vigil.export.health;

import java.nio.file.Files;
import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.vigil.export.config.ExportConfig;

/** Exports read segments from the recordings volume: it must be mounted and readable. */
@Readiness
@ApplicationScoped
public class RecordingsReadable implements HealthCheck {

    private final ExportConfig config;

    public RecordingsReadable(ExportConfig config) {
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        Path dir = config.recordingsDir();
        boolean ok = Files.isDirectory(dir) && Files.isReadable(dir) && Files.isExecutable(dir);
        return HealthCheckResponse.named("recordings-readable").status(ok)
                .withData("recordingsDir", dir.toAbsolutePath().toString()).build();
    }
}
