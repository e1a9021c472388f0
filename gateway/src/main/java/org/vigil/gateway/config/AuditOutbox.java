package org.vigil.gateway.config;

import java.time.InstantSource;
import java.util.Properties;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.vigil.runtime.audit.AuditPublisher;

/** This service's audit publisher (runtime's, one failure policy for all), with its outbox identity.audit_outbox. */
public class AuditOutbox {

    @Produces
    @Singleton
    AuditPublisher audit(Pool pool, InstantSource clock, MeterRegistry metrics,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", bootstrap);
        return AuditPublisher.start("gateway", pool, "identity.audit_outbox", kafka, clock, metrics);
    }

    /** At start, not on first use: entries a previous run left in the outbox are sent at once. */
    void start(@Observes StartupEvent e, AuditPublisher audit) {
        audit.pending();
    }

    /** At the stop's start, while the database pool is still open: the relay ends without a failed round. */
    void stopping(@Observes ShutdownEvent e, AuditPublisher audit) {
        audit.close();
    }

    void stop(@Disposes AuditPublisher audit) {
        audit.close(); // a second close does nothing
    }
}
