package org.vigil.capture.messaging;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
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
import org.vigil.contracts.TraceHeaders;

/**
 * Everything capture sends to Kafka, through one idempotent producer. The producer's buffer is bounded
 * ({@code buffer.memory}); when Kafka cannot keep up for longer than {@code max.block.ms}, a packet is dropped,
 * counted per camera by the caller in {@code vigil_capture_dropped_packets_total} and logged (at most once a minute per reason), instead of
 * stalling the camera threads.
 * <p>
 * Motion events (phases, snapshot, detections) and camera status are traced: each record gets a producer span (ended
 * when Kafka acknowledges) whose W3C context travels in the record's headers, so the event service continues the
 * same trace. Media packets and previews are not: a span per video frame would cost more than the frame.
 */
@ApplicationScoped
public class CapturePublisher {

    private static final Logger LOG = Logger.getLogger(CapturePublisher.class);

    private static final String INSTRUMENTATION = "org.vigil.capture";
    private static final int MAX_OPEN_EVENTS = 10_000;

    private final KafkaProducer<String, byte[]> producer;
    private final OpenTelemetry otel;
    private final LiveStreams live;
    private final Map<String, Span> events = new ConcurrentHashMap<>();
    private final Counter sent;
    /** For the log line; the metric is the camera worker's (per camera). */
    private final java.util.concurrent.atomic.LongAdder dropped = new java.util.concurrent.atomic.LongAdder();
    private final Counter failed;
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final java.util.concurrent.CompletableFuture<Void> topicsKnown = new java.util.concurrent.CompletableFuture<>();
    private volatile boolean closed;
    private volatile long lastErrorLog;

    public CapturePublisher(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap, MeterRegistry metrics,
            OpenTelemetry otel, LiveStreams live) {
        this.otel = otel;
        this.live = live;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "vigil-capture");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // batching amortises the per-request work (the broker's above all) over more packets: at 50 ms a request carries
        // the frames of every camera from the last 50 ms, and the broker's cost per camera at a 16-camera site fell by
        // about a third against 20 ms; live view and events arrive up to 30 ms later (design 0027)
        p.put(ProducerConfig.LINGER_MS_CONFIG, 50);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 200);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        // the topics stay known however long a camera goes without motion: a motion event's START must never wait for a
        // metadata fetch, which max.block.ms (above) would cut short under load, losing the event's first record
        p.put(ProducerConfig.METADATA_MAX_IDLE_CONFIG, 24 * 60 * 60 * 1000);
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        Thread learn = new Thread(this::learnTopics, "capture-topics");
        learn.setDaemon(true);
        learn.start();
        // the producer's own figures, among them buffer-available-bytes (the send queue) and record-queue-time
        new KafkaClientMetrics(producer).bindTo(metrics);
        sent = metrics.counter("vigil_capture_packets_sent_total");
        failed = metrics.counter("vigil_capture_send_failures_total");
    }

    /** The topics capture sends to, whose metadata the producer must hold before a camera starts. */
    static final List<String> TOPICS = List.of(Topics.MEDIA, Topics.SUBSTREAMS, Topics.PREVIEWS, Topics.MOTION, Topics.SNAPSHOTS,
            Topics.DETECTIONS, Topics.CAMERA_STATUS);

    /**
     * Asks the broker about every topic capture sends to until it has answered for each. A send waits at most
     * {@code max.block.ms} (200 ms) for a topic's metadata; on a loaded machine the first fetch can take longer, and
     * the first motion event's START was lost that way. Cameras wait for this ({@link #awaitTopics}).
     */
    private void learnTopics() {
        java.util.Set<String> unknown = new java.util.LinkedHashSet<>(TOPICS);
        long loggedAt = System.nanoTime();
        while (!unknown.isEmpty() && !closed) {
            for (java.util.Iterator<String> it = unknown.iterator(); it.hasNext();) {
                String topic = it.next();
                try {
                    if (!producer.partitionsFor(topic).isEmpty()) {
                        it.remove();
                    }
                } catch (RuntimeException e) {
                    // not yet: the broker is starting, or slow; asked again below
                }
            }
            if (!unknown.isEmpty()) {
                if (System.nanoTime() - loggedAt > TimeUnit.SECONDS.toNanos(60)) {
                    loggedAt = System.nanoTime();
                    LOG.warnf("Kafka has not yet told capture about %s; cameras start anyway", unknown);
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
        topicsKnown.complete(null);
    }

    /** Waits until the producer knows every topic capture sends to; returns whether it does. */
    public boolean awaitTopics(java.time.Duration timeout) {
        try {
            topicsKnown.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Sends a packet; returns false when it had to be dropped (Kafka unreachable or the buffer full). */
    public boolean packet(MediaPacket p) {
        return send(packetRecord(Topics.MEDIA, p), true, null);
    }

    /**
     * A packet of the camera's sub-stream: for native live view in the grid, never recorded (design 0019 §6), so sent
     * only while someone reads it (design 0023; the reader starts at the next key frame). True unless it had to be
     * dropped.
     */
    public boolean subStreamPacket(MediaPacket p) {
        if (!live.subStream(p.cameraId())) {
            return true;
        }
        return send(packetRecord(Topics.SUBSTREAMS, p), false, null);
    }

    /** Whether anyone reads {@code cameraId}'s previews now: without a reader none is made (design 0023). */
    public boolean previewsWanted(String cameraId) {
        return live.previews(cameraId);
    }

    private static ProducerRecord<String, byte[]> packetRecord(String topic, MediaPacket p) {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(topic, p.cameraId(), p.data());
        p.writeHeaders(r.headers());
        return r;
    }

    public boolean preview(String cameraId, byte[] jpeg, int width, int height, long wallMicros) {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.PREVIEWS, cameraId, jpeg);
        r.headers().add(MediaPacket.H_WALL, Long.toString(wallMicros).getBytes(StandardCharsets.US_ASCII));
        r.headers().add(MediaPacket.H_WIDTH, Integer.toString(width).getBytes(StandardCharsets.US_ASCII));
        r.headers().add(MediaPacket.H_HEIGHT, Integer.toString(height).getBytes(StandardCharsets.US_ASCII));
        return send(r, false, null);
    }

    /** The snapshot taken when motion starts: part of the motion event's trace. */
    public boolean snapshot(String eventId, byte[] jpeg) {
        return traced(new ProducerRecord<>(Topics.SNAPSHOTS, eventId, jpeg), event(eventId));
    }

    /**
     * One phase of a motion event. START opens the event's span, END closes it; every record of the event (phases,
     * snapshot, detections) is published as its child, so one trace shows the whole event in every service.
     */
    public boolean motion(MotionEvent e) {
        Span event = event(e.eventId());
        if (e.phase() == MotionEvent.Phase.START) {
            event.setAttribute("vigil.camera", e.cameraId());
            event.setAttribute("vigil.site", e.site());
        }
        boolean sent = traced(new ProducerRecord<>(Topics.MOTION, e.cameraId(), Json.write(e)), event);
        if (e.phase() == MotionEvent.Phase.END) {
            events.remove(e.eventId());
            event.setAttribute("vigil.motion.score", e.score());
            event.end();
        }
        return sent;
    }

    public boolean detections(Detections d) {
        Span event = d.eventId() == null ? Span.getInvalid() : events.getOrDefault(d.eventId(), Span.getInvalid());
        return traced(new ProducerRecord<>(Topics.DETECTIONS, d.cameraId(), Json.write(d)), event);
    }

    public boolean status(CameraStatus s) {
        return traced(new ProducerRecord<>(Topics.CAMERA_STATUS, s.cameraId(), Json.write(s)), Span.getInvalid());
    }

    /** This instance's sign of life, without waiting; not traced (one every few seconds). */
    public boolean heartbeat(org.vigil.contracts.NodeHeartbeat h) {
        return send(new ProducerRecord<>(Topics.NODE_HEARTBEATS, h.node(), Json.write(h)), false, null);
    }

    /** The open span of a motion event, started on its first record. */
    private Span event(String eventId) {
        Span open = events.get(eventId);
        if (open != null) {
            return open;
        }
        if (events.size() >= MAX_OPEN_EVENTS) {
            // events whose END never came (their camera thread died): close them rather than grow without bound
            for (Map.Entry<String, Span> stale : events.entrySet()) {
                if (events.remove(stale.getKey(), stale.getValue())) {
                    stale.getValue().end();
                }
            }
        }
        return events.computeIfAbsent(eventId, id -> otel.getTracer(INSTRUMENTATION).spanBuilder("motion event")
                .setNoParent().setAttribute("vigil.event.id", id).startSpan());
    }

    /** A producer span for the record, child of {@code parent} (a new trace when that is not a valid span). */
    private boolean traced(ProducerRecord<String, byte[]> r, Span parent) {
        Span span = TraceHeaders.startPublish(otel, INSTRUMENTATION, Context.root().with(parent), r);
        return send(r, false, span);
    }

    /** Writes a camera's desired state and waits until Kafka has it (registration at start-up). */
    public void camera(CameraConfig c) throws Exception {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.CAMERAS, c.id(), Json.write(c));
        Span span = TraceHeaders.startPublish(otel, INSTRUMENTATION, Context.current(), r);
        try {
            producer.send(r).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, "not registered");
            throw e;
        } finally {
            span.end();
        }
    }

    private boolean send(ProducerRecord<String, byte[]> r, boolean media, Span span) {
        try {
            producer.send(r, (meta, e) -> {
                if (e != null) {
                    failed.increment();
                    noteError(r.topic() + ": " + e.getMessage());
                } else if (media) {
                    sent.increment();
                }
                if (span != null) {
                    if (e != null) {
                        span.recordException(e);
                        span.setStatus(StatusCode.ERROR, "not delivered");
                    } else {
                        span.setAttribute("messaging.destination.partition.id", Integer.toString(meta.partition()));
                        span.setAttribute("messaging.kafka.message.offset", meta.offset());
                    }
                    span.end();
                }
            });
            return true;
        } catch (RuntimeException e) {
            dropped.increment();
            noteError(r.topic() + ": " + e.getMessage());
            if (span != null) {
                span.setStatus(StatusCode.ERROR, "dropped: " + e.getMessage());
                span.end();
            }
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
        closed = true;
        events.values().forEach(Span::end);
        events.clear();
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
