package org.vigil.recorder.config;

import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Properties;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.vigil.runtime.audit.AuditSpool;

/**
 * This service's audit outbox: runtime's {@link AuditSpool}, the other services' outbox policy in files, as the recorder
 * has no database. VIGIL_AUDIT_SPOOL_DIR ({@code vigil.audit.spool-dir}) defaults to {@code <RECORDINGS_DIR>/.audit-spool}:
 * the recorder's own volume, which it must be able to write anyway. Hidden, so the recorder's reconcile and playback
 * never take it for a site; retention's orphan sweep walks it but deletes only files named as recordings, which spool
 * files never are. It stays there when an admin moves the recordings through the storage API. Recorders sharing one
 * volume share the directory, each in a subdirectory of its own.
 */
public class AuditOutbox {

    @Produces
    @Singleton
    AuditSpool audit(InstantSource clock, MeterRegistry metrics,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap,
            @ConfigProperty(name = "vigil.audit.spool-dir") Path dir) {
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", bootstrap);
        return AuditSpool.start("recorder-service", dir, kafka, clock, metrics);
    }

    /** At start, not on first use: entries a previous run left in the spool are sent at once. */
    void start(@Observes StartupEvent e, AuditSpool audit) {
        audit.pending();
    }

    void stop(@Disposes AuditSpool audit) {
        audit.close();
    }
}
