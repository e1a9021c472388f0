package org.vigil.contracts;

import java.time.Duration;
import java.util.List;

/**
 * Every Kafka topic Vigil uses, with the settings it is created with. The version suffix changes only when a
 * message changes incompatibly; see docs/topics.md for keys, schemas, producers and consumers.
 */
public final class Topics {

    /** Camera registry: desired state per camera. Key: camera id. Value: {@link CameraConfig}; tombstone deletes. */
    public static final String CAMERAS = "vigil.cameras.v1";
    /** Latest observed state per camera. Key: camera id. Value: {@link CameraStatus}. */
    public static final String CAMERA_STATUS = "vigil.camera-status.v1";
    /** Compressed video packets exactly as the camera sent them. Key: camera id. Value: packet bytes; see {@link MediaPacket}. */
    public static final String MEDIA = "vigil.media.v1";
    /**
     * A camera's sub-stream, packet by packet, for live view only (the grid plays it natively; design 0019): never
     * recorded. Key: camera id. Value and headers as {@link #MEDIA}'s ({@link MediaPacket}).
     */
    public static final String SUBSTREAMS = "vigil.substreams.v1";
    /** Low-rate JPEG previews for live view. Key: camera id. Value: JPEG bytes; headers {@code vigil.wall}, {@code vigil.width}, {@code vigil.height} as in {@link MediaPacket}. */
    public static final String PREVIEWS = "vigil.previews.v1";
    /**
     * Who watches which camera's live-only streams (sub-stream, previews), so capture publishes them only then
     * (design 0023). Key: {@code <camera>/<stream>}. Value: {@link LiveDemand}. Stays at its site: never mirrored.
     */
    public static final String LIVE_DEMAND = "vigil.live-demand.v1";
    /** Motion events (start, update, end). Key: camera id. Value: {@link MotionEvent}. */
    public static final String MOTION = "vigil.motion.v1";
    /** People and vehicles found in motion regions. Key: camera id. Value: {@link Detections}. */
    public static final String DETECTIONS = "vigil.detections.v1";
    /** JPEG snapshot taken when motion starts. Key: motion event id. Value: JPEG bytes. */
    public static final String SNAPSHOTS = "vigil.snapshots.v1";
    /** Closed, durable recording segments. Key: camera id. Value: {@link SegmentClosed}. */
    public static final String SEGMENTS = "vigil.segments.v1";
    /** Cluster-wide settings an admin changes at run time. Key: setting name. Value: e.g. {@link StorageSettings}. */
    public static final String SETTINGS = "vigil.settings.v1";
    /** Conditions an operator must see, raised and cleared. Key: {@code <source>/<kind>}. Value: {@link Alert}. */
    public static final String ALERTS = "vigil.alerts.v1";
    /** A site node's recorders' sign of life, every few seconds. Key: the node. Value: {@link NodeHeartbeat}. */
    public static final String NODE_HEARTBEATS = "vigil.node-heartbeats.v1";
    /**
     * Messages a consumer could not read, with why: the original key and bytes, and headers {@link #DLQ_REASON},
     * {@link #DLQ_TOPIC}, {@link #DLQ_PARTITION}, {@link #DLQ_OFFSET}, {@link #DLQ_CONSUMER}.
     */
    public static final String DEAD_LETTERS = "vigil.dead-letters.v1";
    public static final String DLQ_REASON = "vigil.dlq.reason";
    public static final String DLQ_TOPIC = "vigil.dlq.topic";
    public static final String DLQ_PARTITION = "vigil.dlq.partition";
    public static final String DLQ_OFFSET = "vigil.dlq.offset";
    public static final String DLQ_CONSUMER = "vigil.dlq.consumer";
    /** Security-relevant actions from every service, in one partition so the hash chain has one order. Value: {@link AuditEntry}. */
    public static final String AUDIT = "vigil.audit.v1";

    /** How a topic is created. Partitions bound the parallelism of capture and recorder instances. */
    public record TopicSpec(String name, int partitions, boolean compacted, Duration retention) {
        /** Kafka's {@code cleanup.policy} for this topic. */
        public String cleanupPolicy() {
            return compacted ? "compact" : "delete";
        }
    }

    /** Partitions of the camera-keyed topics: the most capture or recorder instances that can share the work. */
    public static final int CAMERA_PARTITIONS = 12;

    public static final List<TopicSpec> ALL = List.of(
            new TopicSpec(CAMERAS, CAMERA_PARTITIONS, true, null),
            new TopicSpec(CAMERA_STATUS, CAMERA_PARTITIONS, true, null),
            new TopicSpec(MEDIA, CAMERA_PARTITIONS, false, Duration.ofMinutes(15)),
            new TopicSpec(SUBSTREAMS, CAMERA_PARTITIONS, false, Duration.ofMinutes(2)),
            new TopicSpec(PREVIEWS, CAMERA_PARTITIONS, false, Duration.ofMinutes(2)),
            new TopicSpec(LIVE_DEMAND, 1, false, Duration.ofMinutes(10)),
            new TopicSpec(MOTION, CAMERA_PARTITIONS, false, Duration.ofDays(7)),
            new TopicSpec(SNAPSHOTS, CAMERA_PARTITIONS, false, Duration.ofDays(7)),
            new TopicSpec(DETECTIONS, CAMERA_PARTITIONS, false, Duration.ofDays(7)),
            new TopicSpec(SEGMENTS, CAMERA_PARTITIONS, false, Duration.ofDays(7)),
            new TopicSpec(SETTINGS, 1, true, null),
            new TopicSpec(ALERTS, 3, false, Duration.ofDays(30)),
            new TopicSpec(NODE_HEARTBEATS, 3, false, Duration.ofDays(1)),
            new TopicSpec(DEAD_LETTERS, 3, false, Duration.ofDays(30)),
            new TopicSpec(AUDIT, 1, false, Duration.ofDays(30)));

    private Topics() {
    }
}
