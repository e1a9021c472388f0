package org.vigil.contracts;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serializer and deserializer for the JSON messages. Subclass it per type so it can be named in client
 * configuration, e.g. {@code value.deserializer=org.vigil.contracts.JsonSerde$MotionEvents}.
 */
public abstract class JsonSerde<T> implements Serializer<T>, Deserializer<T> {

    private final Class<T> type;

    protected JsonSerde(Class<T> type) {
        this.type = type;
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
        // nothing to configure: the JSON form is fixed by the contract
    }

    @Override
    public void close() {
        // stateless
    }

    @Override
    public byte[] serialize(String topic, T data) {
        return data == null ? null : Json.write(data);
    }

    /** Returns {@code null} for a tombstone (null value). Throws {@link MalformedMessageException} on bad JSON. */
    @Override
    public T deserialize(String topic, byte[] data) {
        return data == null ? null : Json.read(data, type);
    }

    public static final class CameraConfigs extends JsonSerde<CameraConfig> {
        public CameraConfigs() {
            super(CameraConfig.class);
        }
    }

    public static final class CameraStatuses extends JsonSerde<CameraStatus> {
        public CameraStatuses() {
            super(CameraStatus.class);
        }
    }

    public static final class MotionEvents extends JsonSerde<MotionEvent> {
        public MotionEvents() {
            super(MotionEvent.class);
        }
    }

    public static final class DetectionSets extends JsonSerde<Detections> {
        public DetectionSets() {
            super(Detections.class);
        }
    }

    public static final class Segments extends JsonSerde<SegmentClosed> {
        public Segments() {
            super(SegmentClosed.class);
        }
    }

    public static final class AuditEntries extends JsonSerde<AuditEntry> {
        public AuditEntries() {
            super(AuditEntry.class);
        }
    }

    public static final class Alerts extends JsonSerde<Alert> {
        public Alerts() {
            super(Alert.class);
        }
    }

    public static final class StorageSettingsSerde extends JsonSerde<StorageSettings> {
        public StorageSettingsSerde() {
            super(StorageSettings.class);
        }
    }
}
