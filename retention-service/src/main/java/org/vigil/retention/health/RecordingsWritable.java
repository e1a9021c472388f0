package org.vigil.retention.health;

import java.nio.file.Files;
import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.vigil.retention.config.RetentionConfig;

/** Retention deletes from the recordings volume: it must be mounted and writable. */
@Readiness
@ApplicationScoped
public class RecordingsWritable implements HealthCheck {

    private final RetentionConfig config;

    public RecordingsWritable(RetentionConfig config) {
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        Path dir = config.recordingsDir();
        boolean ok = Files.isDirectory(dir) && Files.isWritable(dir);
        return HealthCheckResponse.named("recordings-writable").status(ok)
                .withData("recordingsDir", dir.toAbsolutePath().toString()).build();
    }
}
