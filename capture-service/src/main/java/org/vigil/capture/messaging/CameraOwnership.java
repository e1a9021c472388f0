package org.vigil.capture.messaging;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.vigil.capture.config.CaptureConfig;
import org.vigil.capture.service.CameraSupervisor;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.contracts.MalformedMessageException;
import org.vigil.contracts.Topics;
import org.vigil.runtime.kafka.ConsumerLoop;

/**
 * Which cameras this instance captures, decided by Kafka: every capture instance consumes the compacted camera
 * registry in one consumer group, and the partitions an instance is assigned are the cameras it owns. Offsets are
 * never committed, so a newly assigned partition is read from its start and yields the current desired state of
 * each of its cameras. When partitions are revoked (an instance joined) or lost, their cameras are stopped
 * <em>before</em> the rebalance completes, so no camera is captured by two instances beyond one rebalance. When an
 * instance dies, its partitions move after {@code session.timeout.ms}.
 */
@ApplicationScoped
public class CameraOwnership implements ConsumerLoop.Body {

    private static final Logger LOG = Logger.getLogger(CameraOwnership.class);
    static final String GROUP = "vigil-capture";

    private final CameraSupervisor supervisor;
    private final Properties props;
    private final Map<String, TopicPartition> cameraPartitions = new ConcurrentHashMap<>();
    private final Set<TopicPartition> assigned = ConcurrentHashMap.newKeySet();
    private volatile boolean joined;
    private ConsumerLoop loop;

    public CameraOwnership(CameraSupervisor supervisor, CaptureConfig settings,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap,
            @ConfigProperty(name = "vigil.capture.ownership.session-timeout", defaultValue = "10s") Duration sessionTimeout) {
        this.supervisor = supervisor;
        props = ConsumerLoop.groupProperties(bootstrap, "vigil-capture-ownership-" + settings.instance(), GROUP);
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) sessionTimeout.toMillis());
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(1000, sessionTimeout.toMillis() / 3));
    }

    void onStart(@Observes StartupEvent e) {
        loop = ConsumerLoop.start("camera-ownership", props, Duration.ofSeconds(1), this);
    }

    void onStop(@Observes ShutdownEvent e) {
        if (loop != null) {
            loop.stop(Duration.ofSeconds(30));
        }
    }

    @Override
    public void open(KafkaConsumer<String, byte[]> c) {
        c.subscribe(List.of(Topics.CAMERAS), new Listener(c));
    }

    @Override
    public void poll(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        Map<String, ConsumerRecord<String, byte[]>> latest = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            if (r.key() != null) {
                latest.put(r.key(), r);
            }
        }
        latest.values().forEach(this::apply);
    }

    @Override
    public void stopping(KafkaConsumer<String, byte[]> c) {
        supervisor.stopWhere(id -> true);
    }

    @Override
    public void failed(RuntimeException e) {
        joined = false;
        supervisor.stopWhere(id -> true);
        cameraPartitions.clear();
        assigned.clear();
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        if (r.value() == null) {
            cameraPartitions.remove(r.key());
            supervisor.stop(r.key());
            return;
        }
        try {
            CameraConfig c = Json.read(r.value(), CameraConfig.class);
            if (!r.key().equals(c.id())) {
                LOG.warnf("camera registry record with key %s holds camera %s; ignored", r.key(), c.id());
                return;
            }
            cameraPartitions.put(c.id(), tp);
            supervisor.apply(c);
        } catch (MalformedMessageException e) {
            LOG.warnf("camera registry record %s at %s-%d@%d is unreadable: %s", r.key(), r.topic(), r.partition(),
                    r.offset(), e.getMessage());
        }
    }

    /** Whether this instance has joined the group (it may own no camera: more instances than cameras). */
    public boolean joined() {
        return joined;
    }

    public Set<TopicPartition> assigned() {
        return Set.copyOf(assigned);
    }

    private final class Listener implements ConsumerRebalanceListener {
        private final KafkaConsumer<String, byte[]> consumer;

        Listener(KafkaConsumer<String, byte[]> consumer) {
            this.consumer = consumer;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            joined = true;
            assigned.addAll(partitions);
            consumer.seekToBeginning(partitions);
            if (!partitions.isEmpty()) {
                LOG.infof("owning %d more camera partitions (%d in all)", partitions.size(), assigned.size());
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            release(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            release(partitions);
        }

        private void release(Collection<TopicPartition> partitions) {
            Set<TopicPartition> gone = new HashSet<>(partitions);
            assigned.removeAll(gone);
            supervisor.stopWhere(id -> gone.contains(cameraPartitions.get(id)));
            cameraPartitions.values().removeIf(gone::contains);
        }
    }
}
