package org.vigil.recorder.service;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.MalformedMessageException;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.SegmentClosed;
import org.vigil.recorder.config.RecorderConfig;
import org.vigil.recorder.messaging.SegmentPublisher;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Routes media packets to each camera's {@link CameraRecording} and decides which consumed offsets may be
 * committed: a packet's offset is committed only once the segment holding it is durable on disk and announced.
 * Until then, a crash means Kafka delivers it again.
 */
@ApplicationScoped
public class RecordingService {

    private static final Logger LOG = Logger.getLogger(RecordingService.class);

    private final RecorderConfig config;
    private final CameraDirectory directory;
    private final SegmentPublisher publisher;
    private final InstantSource clock;
    private final MeterRegistry metrics;
    private final Map<String, CameraRecording> cameras = new ConcurrentHashMap<>();
    private final Map<String, TopicPartition> cameraPartition = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> nextOffset = new HashMap<>();
    private final Map<String, Long> lastWarned = new ConcurrentHashMap<>();

    public RecordingService(RecorderConfig config, CameraDirectory directory, SegmentPublisher publisher,
            InstantSource clock, MeterRegistry metrics) {
        this.config = config;
        this.directory = directory;
        this.publisher = publisher;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** Handles one consumed record. Never throws for bad input: it is counted and logged instead. */
    public void accept(ConsumerRecord<String, byte[]> r) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        nextOffset.put(tp, r.offset() + 1);
        MediaPacket p;
        try {
            p = MediaPacket.read(r.key(), r.headers(), r.value());
        } catch (MalformedMessageException e) {
            metrics.counter("vigil_recorder_packets_dropped_total", "reason", "malformed").increment();
            warnOnce("malformed:" + r.key(), "dropping malformed media packet at %s-%d@%d: %s", r.topic(), r.partition(),
                    r.offset(), e.getMessage());
            return;
        }
        CameraConfig camera = directory.get(p.cameraId());
        if (camera == null) {
            metrics.counter("vigil_recorder_packets_dropped_total", "reason", "unknown_camera").increment();
            warnOnce("unknown:" + p.cameraId(), "packets for camera %s, which is not in the registry, are not recorded",
                    p.cameraId());
        }
        cameraPartition.put(p.cameraId(), tp);
        CameraRecording rec = cameras.computeIfAbsent(p.cameraId(),
                id -> new CameraRecording(id, config.recordingsDir(), config.segmentLength(), config.fallbackFrameRate()));
        try {
            CameraRecording.Result result = rec.accept(p, r.offset(), camera);
            result.closed().ifPresent(this::announce);
            metrics.counter("vigil_recorder_packets_total", "outcome", result.outcome().name().toLowerCase()).increment();
        } catch (IOException e) {
            metrics.counter("vigil_recorder_write_errors_total").increment();
            warnOnce("io:" + p.cameraId(), "camera %s: cannot write its segment: %s", p.cameraId(), e.getMessage());
            rec.abandon();
        }
    }

    /**
     * Closes segments of cameras that stopped sending or were switched off, so their footage becomes durable and
     * indexed without waiting for the next packet.
     */
    public void tick() {
        Instant now = clock.instant();
        Duration idle = config.segmentLength().plusSeconds(5);
        for (CameraRecording rec : cameras.values()) {
            if (!rec.open()) {
                continue;
            }
            CameraConfig cam = directory.get(rec.cameraId());
            boolean off = cam != null && !cam.recording();
            if (off || rec.lastFrameAt().plus(idle).isBefore(now)) {
                closeQuietly(rec);
            }
        }
    }

    /** Closes the open segments of cameras in the given partitions (they are being revoked, or we are stopping). */
    public void closeWhere(Predicate<TopicPartition> partitions) {
        for (Map.Entry<String, CameraRecording> e : cameras.entrySet()) {
            TopicPartition tp = cameraPartition.get(e.getKey());
            if (tp != null && partitions.test(tp)) {
                closeQuietly(e.getValue());
            }
        }
    }

    private void closeQuietly(CameraRecording rec) {
        try {
            rec.close().ifPresent(this::announce);
        } catch (IOException e) {
            LOG.errorf("cannot close a segment: %s", e.getMessage());
            rec.abandon();
        }
    }

    private void announce(SegmentClosed s) {
        try {
            publisher.publish(s);
            metrics.counter("vigil_recorder_segments_total").increment();
            LOG.debugf("segment closed: %s (%d frames, %d bytes)", s.path(), s.frames(), s.bytes());
        } catch (Exception e) {
            metrics.counter("vigil_recorder_segment_announce_failures_total").increment();
            LOG.errorf("segment %s is on disk but could not be announced: %s", s.path(), e.getMessage());
        }
    }

    /** Offsets that are safe to commit: before the first packet of any open segment in each partition. */
    public Map<TopicPartition, OffsetAndMetadata> committable() {
        Map<TopicPartition, Long> safe = new HashMap<>(nextOffset);
        for (Map.Entry<String, CameraRecording> e : cameras.entrySet()) {
            long first = e.getValue().firstOffset();
            TopicPartition tp = cameraPartition.get(e.getKey());
            if (first >= 0 && tp != null) {
                safe.merge(tp, first, Math::min);
            }
        }
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        safe.forEach((tp, o) -> out.put(tp, new OffsetAndMetadata(o)));
        return out;
    }

    /** Forgets the positions of partitions no longer assigned. */
    public void forget(java.util.Collection<TopicPartition> partitions) {
        partitions.forEach(nextOffset::remove);
    }

    /** Cameras with an open segment, for the API. */
    public List<OpenSegment> openSegments() {
        List<OpenSegment> out = new ArrayList<>();
        cameras.forEach((id, rec) -> {
            if (rec.open()) {
                out.add(new OpenSegment(id, rec.startedAt(), rec.framesInOpenSegment()));
            }
        });
        return out;
    }

    /** A segment being written. */
    public record OpenSegment(String cameraId, Instant startedAt, long frames) {
    }

    private void warnOnce(String key, String format, Object... args) {
        long now = System.currentTimeMillis();
        Long last = lastWarned.get(key);
        if (last == null || now - last > 60_000) {
            lastWarned.put(key, now);
            LOG.warnf(format, args);
        }
    }
}
