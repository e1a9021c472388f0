package org.vigil.retention.messaging;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.vigil.contracts.Alert;

/** Raises and clears retention's alerts on the alerts topic, keyed so a raise and its clear stay in order. */
@ApplicationScoped
public class AlertPublisher {

    private final Emitter<Alert> emitter;

    public AlertPublisher(@Channel("alerts") Emitter<Alert> emitter) {
        this.emitter = emitter;
    }

    public void send(Alert a) {
        emitter.send(Message.of(a).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(a.key()).build()));
    }
}
