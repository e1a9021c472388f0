package org.vigil.runtime.audit;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;
import org.vigil.contracts.AuditEntry;

/**
 * What the database outbox ({@link AuditPublisher}) and the file spool ({@link AuditSpool}) share: the producer to
 * {@code vigil.audit.v1} ({@code acks=all}, idempotent, a send waiting at most {@code sendTimeout}), the
 * {@code vigil_audit_sent_total} and {@code vigil_audit_lost_total} counters, and the failure policy's last step: an
 * entry its store refused goes to Kafka directly, and when that fails too it is logged at ERROR with its id, action,
 * actor and target (never its details) and counted lost.
 */
final class AuditDelivery {

    private static final Logger LOG = Logger.getLogger(AuditDelivery.class);

    final KafkaProducer<String, byte[]> producer;
    private final String store;
    private final Counter sent;
    private final Counter lost;

    /** {@code store} names where entries wait, in log lines ("outbox", "spool"). */
    AuditDelivery(String service, String store, Properties kafka, Duration sendTimeout, MeterRegistry metrics) {
        this.store = store;
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, service + "-audit");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) sendTimeout.toMillis());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) sendTimeout.toMillis() - 1000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) sendTimeout.toMillis());
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        this.lost = Counter.builder("vigil_audit_lost_total")
                .description("audit entries neither stored in the outbox nor sent to Kafka").register(metrics);
        this.sent = Counter.builder("vigil_audit_sent_total").description("audit entries Kafka acknowledged")
                .register(metrics);
    }

    /** Counts entries Kafka acknowledged. */
    void sent(long entries) {
        sent.increment(entries);
    }

    /** The store refused {@code e}: sends it directly; {@code done} completes either way, never exceptionally. */
    void sendDirectly(AuditEntry e, byte[] json, String traceparent, Throwable storeFailure,
            CompletableFuture<Void> done) {
        LOG.warnf("audit entry %s (%s by %s): the %s refused it (%s); sending it to Kafka directly", e.id(),
                e.action(), e.actor(), store, storeFailure.getMessage());
        try {
            producer.send(AuditPublisher.record(e.id(), json, traceparent), (md, kafkaFailure) -> {
                if (kafkaFailure != null) {
                    lost(e, kafkaFailure);
                } else {
                    sent.increment();
                }
                done.complete(null);
            });
        } catch (RuntimeException kafkaFailure) {
            lost(e, kafkaFailure);
            done.complete(null);
        }
    }

    /** Neither the store nor Kafka took {@code e}. */
    void lost(AuditEntry e, Throwable why) {
        lost.increment();
        LOG.errorf("audit entry LOST: id %s, action %s, actor %s, target %s: neither the %s nor Kafka took it (%s)",
                e.id(), e.action(), e.actor(), e.target(), store, why.getMessage());
    }
}
