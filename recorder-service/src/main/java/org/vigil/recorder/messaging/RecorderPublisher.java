package org.vigil.recorder.messaging;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.vigil.contracts.Alert;
import org.vigil.contracts.Json;
import org.vigil.contracts.NodeHeartbeat;
import org.vigil.contracts.SegmentClosed;
import org.vigil.contracts.StorageSettings;
import org.vigil.contracts.Topics;
import org.vigil.contracts.TraceHeaders;
import org.vigil.runtime.audit.AuditSpool;

/**
 * Everything the recorder tells the rest of Vigil: closed segments, alerts, storage settings, heartbeats and audit
 * entries. One idempotent producer with {@code acks=all}; segment announcements and settings wait for Kafka's
 * acknowledgement, because what the caller does next (commit packets, answer the admin) depends on it. Every record
 * but the heartbeat carries the W3C trace context of a producer span (child of the caller's current span), so the event service's handling of it
 * joins the same trace. Audit entries go through the {@link AuditSpool} instead: written to disk before the call
 * returns, sent by its relay, never lost to a broker outage or a crash; they carry the context of the HTTP request
 * that caused them.
 */
@ApplicationScoped
public class RecorderPublisher {

    private static final Logger LOG = Logger.getLogger(RecorderPublisher.class);

    private final KafkaProducer<String, byte[]> producer;
    private final OpenTelemetry otel;
    private final AuditSpool audit;

    public RecorderPublisher(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap, OpenTelemetry otel,
            AuditSpool audit) {
        this.otel = otel;
        this.audit = audit;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "vigil-recorder");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** Announces a durable segment and waits for the acknowledgement. */
    public void segment(SegmentClosed s) throws InterruptedException, ExecutionException, TimeoutException {
        send(new ProducerRecord<>(Topics.SEGMENTS, s.cameraId(), Json.write(s)), null).get(35, TimeUnit.SECONDS);
    }

    /** Stores the cluster's storage settings and waits for the acknowledgement. */
    public void storage(StorageSettings s) throws InterruptedException, ExecutionException, TimeoutException {
        send(new ProducerRecord<>(Topics.SETTINGS, StorageSettings.KEY, Json.write(s)), null).get(35, TimeUnit.SECONDS);
    }

    /** Raises or clears an alert; a failure is logged (the condition is in the log and the metrics anyway). */
    public void alert(Alert a) {
        send(new ProducerRecord<>(Topics.ALERTS, a.key(), Json.write(a)), e -> LOG.errorf(
                "alert %s %s could not be sent: %s", a.kind(), a.state().wireName(), e.getMessage()));
    }

    /** Sends the node's heartbeat without waiting; not traced (a sign of life every few seconds). */
    public Future<RecordMetadata> heartbeat(NodeHeartbeat h) {
        return producer.send(new ProducerRecord<>(Topics.NODE_HEARTBEATS, h.node(), Json.write(h)));
    }

    /**
     * Appends an audit entry of this service: durable in the spool when this returns (or, when the spool cannot take
     * it, sent directly, and logged and counted as lost if that fails too); never fails the caller. {@code site}: the
     * site the action concerns (a camera's, or this recorder's own for its storage): a site node's entries reach
     * central only when they name their site (design 0017: a site speaks only for itself).
     */
    public void audit(String actor, String action, String target, String site, String outcome,
            Map<String, String> details) {
        audit.record(actor, action, target, site, outcome, details);
    }

    /** Sends under a producer span that ends when Kafka answers; {@code onFailure} hears of a failed delivery. */
    private Future<RecordMetadata> send(ProducerRecord<String, byte[]> r, Consumer<Exception> onFailure) {
        Span span = TraceHeaders.startPublish(otel, "org.vigil.recorder", Context.current(), r);
        try {
            return producer.send(r, (md, e) -> {
                if (e != null) {
                    span.recordException(e);
                    span.setStatus(StatusCode.ERROR, "not delivered");
                    if (onFailure != null) {
                        onFailure.accept(e);
                    }
                }
                span.end();
            });
        } catch (RuntimeException e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, "not sent");
            span.end();
            throw e;
        }
    }

    @PreDestroy
    void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
