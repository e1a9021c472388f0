package org.vigil.events.messaging;

import java.nio.charset.StandardCharsets;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;
import org.vigil.contracts.Topics;

/** Sends messages that cannot be stored to {@link Topics#DEAD_LETTERS}, unchanged, with where they came from and why. */
@ApplicationScoped
public class DeadLetters {

    private static final Logger LOG = Logger.getLogger(DeadLetters.class);

    private final Emitter<byte[]> out;
    private final MeterRegistry metrics;

    public DeadLetters(@Channel(Channels.DEAD_LETTERS) Emitter<byte[]> out, MeterRegistry metrics) {
        this.out = out;
        this.metrics = metrics;
    }

    /** Sends when subscribed, and completes when Kafka has the dead letter (the original may then be acknowledged). */
    public Uni<Void> send(ConsumerRecord<String, byte[]> r, String reason) {
        return Uni.createFrom().deferred(() -> sendNow(r, reason));
    }

    private Uni<Void> sendNow(ConsumerRecord<String, byte[]> r, String reason) {
        metrics.counter("vigil_events_dead_letters_total", "topic", r.topic()).increment();
        LOG.warnf("dead letter from %s-%d@%d: %s (value starts %s)", r.topic(), r.partition(), r.offset(), reason,
                IngestConsumers.preview(r.value()));
        RecordHeaders h = new RecordHeaders();
        r.headers().forEach(h::add);
        h.add(Topics.DLQ_REASON, reason.getBytes(StandardCharsets.UTF_8));
        h.add(Topics.DLQ_TOPIC, r.topic().getBytes(StandardCharsets.UTF_8));
        h.add(Topics.DLQ_PARTITION, Integer.toString(r.partition()).getBytes(StandardCharsets.US_ASCII));
        h.add(Topics.DLQ_OFFSET, Long.toString(r.offset()).getBytes(StandardCharsets.US_ASCII));
        h.add(Topics.DLQ_CONSUMER, "event-service".getBytes(StandardCharsets.US_ASCII));
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        out.send(Message.of(r.value() == null ? new byte[0] : r.value())
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(r.key()).withHeaders(h).build())
                .withAck(() -> {
                    done.complete(null);
                    return java.util.concurrent.CompletableFuture.completedFuture(null);
                }).withNack(t -> {
                    done.completeExceptionally(t);
                    return java.util.concurrent.CompletableFuture.completedFuture(null);
                }));
        return Uni.createFrom().completionStage(done);
    }
}
