package org.vigil.export.messaging;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.vigil.contracts.AuditEntry;

/** Sends this service's security-relevant actions to the audit topic; its channel's health shows Kafka is reachable. */
@ApplicationScoped
public class AuditPublisher {

    private final Emitter<AuditEntry> emitter;

    public AuditPublisher(@Channel("audit") Emitter<AuditEntry> emitter) {
        this.emitter = emitter;
    }

    public void record(Instant at, String actor, String action, String target, String site, String outcome,
            Map<String, String> details) {
        emitter.send(new AuditEntry(AuditEntry.VERSION, UUID.randomUUID().toString(), at, "export-service", actor, action,
                target, site, outcome, details));
    }
}
