package org.vigil.recorder.messaging;

import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.vigil.contracts.Json;
import org.vigil.contracts.SegmentClosed;
import org.vigil.contracts.Topics;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

/** Announces closed segments; waits for Kafka's acknowledgement so the caller may then commit their packets. */
@ApplicationScoped
public class SegmentPublisher {

    private final KafkaProducer<String, byte[]> producer;

    public SegmentPublisher(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "vigil-recorder-segments");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    public void publish(SegmentClosed s) throws Exception {
        producer.send(new ProducerRecord<>(Topics.SEGMENTS, s.cameraId(), Json.write(s))).get(30, TimeUnit.SECONDS);
    }

    @PreDestroy
    void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
