package org.vigil.runtime.audit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
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

    final Producer<String, byte[]> producer;
    private final Duration sendTimeout;
    private final String store;
    /** Whether the next relay round sends its first entry alone (at start, and after a failed round). */
    private volatile boolean probe = true;
    private final Counter sent;
    private final Counter lost;

    /** {@code store} names where entries wait, in log lines ("outbox", "spool"). */
    AuditDelivery(String service, String store, Properties kafka, Duration sendTimeout, MeterRegistry metrics) {
        this(producer(service, kafka, sendTimeout), store, sendTimeout, metrics);
    }

    AuditDelivery(Producer<String, byte[]> producer, String store, Duration sendTimeout, MeterRegistry metrics) {
        this.producer = producer;
        this.store = store;
        this.sendTimeout = sendTimeout;
        this.lost = Counter.builder("vigil_audit_lost_total")
                .description("audit entries neither stored in the outbox nor sent to Kafka").register(metrics);
        this.sent = Counter.builder("vigil_audit_sent_total").description("audit entries Kafka acknowledged")
                .register(metrics);
    }

    private static Producer<String, byte[]> producer(String service, Properties kafka, Duration sendTimeout) {
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, service + "-audit");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) sendTimeout.toMillis());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) sendTimeout.toMillis() - 1000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) sendTimeout.toMillis());
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** Counts entries Kafka acknowledged. */
    void sent(long entries) {
        sent.increment(entries);
    }

    /**
     * Sends a relay round's entries, oldest first, and returns how many of them, from the first, Kafka acknowledged,
     * with the failure that stopped it (null when all were). First arrivals stay in order: a later entry must never
     * reach Kafka before an earlier one that failed, which pipelining alone does not ensure. A send that times out
     * waiting for the topic's metadata (a broker just restarted) fails while the sends after it, once the metadata has
     * come, succeed. So at start and after any failed round, the first entry goes alone, and only once it is
     * acknowledged do the rest follow, pipelined (the idempotent producer keeps those in order).
     */
    Sent sendInOrder(List<ProducerRecord<String, byte[]>> records) {
        int acked = 0;
        try {
            if (probe && !records.isEmpty()) {
                await(producer.send(records.get(0)));
                acked = 1;
                probe = false;
            }
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (ProducerRecord<String, byte[]> r : records.subList(acked, records.size())) {
                sends.add(producer.send(r));
            }
            producer.flush();
            for (Future<RecordMetadata> f : sends) {
                await(f);
                acked++;
            }
            return new Sent(acked, null);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            probe = true;
            return new Sent(acked, new IllegalStateException("Kafka did not acknowledge audit entries: "
                    + AuditPublisher.rootMessage(e), e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            probe = true;
            return new Sent(acked, new IllegalStateException("interrupted while sending audit entries", e));
        }
    }

    private void await(Future<RecordMetadata> send) throws ExecutionException, TimeoutException, InterruptedException {
        send.get(sendTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** What a relay round achieved: the first {@code acked} entries are on Kafka; {@code failure} stopped the rest. */
    record Sent(int acked, IllegalStateException failure) {
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
