package org.vigil.capture.messaging;

import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.CameraStatus;
import org.vigil.contracts.Detections;
import org.vigil.contracts.Json;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.Topics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Everything capture sends to Kafka, through one idempotent producer. The producer's buffer is bounded
 * ({@code buffer.memory}); when Kafka cannot keep up for longer than {@code max.block.ms}, a packet is dropped,
 * counted per camera by the caller in {@code vigil_capture_dropped_packets_total} and logged (at most once a minute per reason), instead of
 * stalling the camera threads.
 */
@ApplicationScoped
public class CapturePublisher {

    private static final Logger LOG = Logger.getLogger(CapturePublisher.class);

    private final KafkaProducer<String, byte[]> producer;
    private final Counter sent;
    /** For the log line; the metric is the camera worker's (per camera). */
    private final java.util.concurrent.atomic.LongAdder dropped = new java.util.concurrent.atomic.LongAdder();
    private final Counter failed;
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private volatile long lastErrorLog;

    public CapturePublisher(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap, MeterRegistry metrics) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "vigil-capture");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // batching amortises the per-request work over a few packets; 20 ms is well under a frame interval at 15 fps
        // and adds nothing a viewer could notice on the recording path
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 200);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        // the producer's own figures, among them buffer-available-bytes (the send queue) and record-queue-time
        new KafkaClientMetrics(producer).bindTo(metrics);
        sent = metrics.counter("vigil_capture_packets_sent_total");
        failed = metrics.counter("vigil_capture_send_failures_total");
    }

    /** Sends a packet; returns false when it had to be dropped (Kafka unreachable or the buffer full). */
    public boolean packet(MediaPacket p) {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.MEDIA, p.cameraId(), p.data());
        p.writeHeaders(r.headers());
        return send(r, true);
    }

    public boolean preview(String cameraId, byte[] jpeg, int width, int height, long wallMicros) {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.PREVIEWS, cameraId, jpeg);
        r.headers().add(MediaPacket.H_WALL, Long.toString(wallMicros).getBytes(StandardCharsets.US_ASCII));
        r.headers().add(MediaPacket.H_WIDTH, Integer.toString(width).getBytes(StandardCharsets.US_ASCII));
        r.headers().add(MediaPacket.H_HEIGHT, Integer.toString(height).getBytes(StandardCharsets.US_ASCII));
        return send(r, false);
    }

    public boolean snapshot(String eventId, byte[] jpeg) {
        return send(new ProducerRecord<>(Topics.SNAPSHOTS, eventId, jpeg), false);
    }

    public boolean motion(MotionEvent e) {
        return send(new ProducerRecord<>(Topics.MOTION, e.cameraId(), Json.write(e)), false);
    }

    public boolean detections(Detections d) {
        return send(new ProducerRecord<>(Topics.DETECTIONS, d.cameraId(), Json.write(d)), false);
    }

    public boolean status(CameraStatus s) {
        return send(new ProducerRecord<>(Topics.CAMERA_STATUS, s.cameraId(), Json.write(s)), false);
    }

    /** Writes a camera's desired state and waits until Kafka has it (registration at start-up). */
    public void camera(CameraConfig c) throws Exception {
        producer.send(new ProducerRecord<>(Topics.CAMERAS, c.id(), Json.write(c))).get(30, TimeUnit.SECONDS);
    }

    private boolean send(ProducerRecord<String, byte[]> r, boolean media) {
        try {
            producer.send(r, (meta, e) -> {
                if (e != null) {
                    failed.increment();
                    noteError(r.topic() + ": " + e.getMessage());
                } else if (media) {
                    sent.increment();
                }
            });
            return true;
        } catch (RuntimeException e) {
            dropped.increment();
            noteError(r.topic() + ": " + e.getMessage());
            return false;
        }
    }

    private void noteError(String message) {
        lastError.set(message);
        long now = System.currentTimeMillis();
        if (now - lastErrorLog > 60_000) {
            lastErrorLog = now;
            LOG.warnf("Kafka send failing (dropped so far: %.0f, failed: %.0f): %s", (double) dropped.sum(), failed.count(),
                    message);
        }
    }

    /** The last send error, for health checks; {@code null} when none yet. */
    public String lastError() {
        return lastError.get();
    }

    @PreDestroy
    void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
