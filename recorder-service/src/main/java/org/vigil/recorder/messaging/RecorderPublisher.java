package org.vigil.recorder.messaging;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.vigil.contracts.Alert;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.Json;
import org.vigil.contracts.SegmentClosed;
import org.vigil.contracts.StorageSettings;
import org.vigil.contracts.Topics;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Everything the recorder tells the rest of Vigil: closed segments, alerts, storage settings and audit entries. One
 * idempotent producer with {@code acks=all}; segment announcements and settings wait for Kafka's acknowledgement,
 * because what the caller does next (commit packets, answer the admin) depends on it.
 */
@ApplicationScoped
public class RecorderPublisher {

    private static final Logger LOG = Logger.getLogger(RecorderPublisher.class);

    private final KafkaProducer<String, byte[]> producer;
    private final InstantSource clock;

    public RecorderPublisher(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap, InstantSource clock) {
        this.clock = clock;
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
        producer.send(new ProducerRecord<>(Topics.SEGMENTS, s.cameraId(), Json.write(s))).get(35, TimeUnit.SECONDS);
    }

    /** Stores the cluster's storage settings and waits for the acknowledgement. */
    public void storage(StorageSettings s) throws InterruptedException, ExecutionException, TimeoutException {
        producer.send(new ProducerRecord<>(Topics.SETTINGS, StorageSettings.KEY, Json.write(s))).get(35, TimeUnit.SECONDS);
    }

    /** Raises or clears an alert; a failure is logged (the condition is in the log and the metrics anyway). */
    public void alert(Alert a) {
        producer.send(new ProducerRecord<>(Topics.ALERTS, a.key(), Json.write(a)), (md, e) -> {
            if (e != null) {
                LOG.errorf("alert %s %s could not be sent: %s", a.kind(), a.state().wireName(), e.getMessage());
            }
        });
    }

    /** Appends an audit entry of this service. */
    public void audit(String actor, String action, String target, String outcome, Map<String, String> details) {
        AuditEntry e = new AuditEntry(AuditEntry.VERSION, UUID.randomUUID().toString(), clock.instant(),
                "recorder-service", actor, action, target, null, outcome, details);
        producer.send(new ProducerRecord<>(Topics.AUDIT, e.id(), Json.write(e)), (md, ex) -> {
            if (ex != null) {
                LOG.errorf("audit entry %s (%s by %s) could not be sent: %s", e.id(), action, actor, ex.getMessage());
            }
        });
    }

    @PreDestroy
    void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
