package org.vigil.gateway.messaging;

import java.time.InstantSource;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;
import org.vigil.contracts.AuditEntry;

/** Sends the gateway's security-relevant actions to the audit topic. */
@ApplicationScoped
public class AuditPublisher {

    private static final Logger LOG = Logger.getLogger(AuditPublisher.class);

    private final Emitter<AuditEntry> emitter;
    private final InstantSource clock;

    public AuditPublisher(@Channel("audit") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 10_000)
    Emitter<AuditEntry> emitter, InstantSource clock) {
        this.emitter = emitter;
        this.clock = clock;
    }

    public void record(String actor, String action, String target, String outcome, Map<String, String> details) {
        AuditEntry e = new AuditEntry(AuditEntry.VERSION, UUID.randomUUID().toString(), clock.instant(), "gateway", actor,
                action, target, null, outcome, details);
        emitter.send(e).exceptionally(t -> {
            LOG.errorf("audit entry %s (%s by %s) could not be sent: %s", e.id(), action, actor, t.getMessage());
            return null;
        });
    }
}
