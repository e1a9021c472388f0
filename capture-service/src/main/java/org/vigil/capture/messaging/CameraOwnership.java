package org.vigil.capture.messaging;

import java.time.Duration;
import java.util.ArrayList;
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
 * Which cameras this instance captures, decided by Kafka. The capture instances of a site consume the compacted
 * camera registry in one consumer group of that site ({@code vigil-capture-<site>}); of the partitions an instance is
 * assigned, the cameras of that site are the cameras it owns. Another site's cameras are never captured through that
 * membership, even when their own site has no capture instance left (design 0018 §6): ownership and failover stay
 * inside a site. An instance that captures for several sites ({@code VIGIL_CAPTURE_SITES}, one box for several
 * sites) is a member of each site's group.
 * <p>
 * Offsets are never committed, so a newly assigned partition is read from its start and yields the current desired
 * state of each of its cameras. When partitions are revoked (an instance joined) or lost, their cameras are stopped
 * <em>before</em> the rebalance completes, so no camera is captured by two instances beyond one rebalance. When an
 * instance dies, its partitions move after {@code session.timeout.ms}.
 */
@ApplicationScoped
public class CameraOwnership {

    private static final Logger LOG = Logger.getLogger(CameraOwnership.class);
    static final String GROUP_PREFIX = "vigil-capture-";
    /**
     * Records and rebalances both end a poll (the rebalance runs inside it); nothing else needs the loop, so an idle
     * one wakes every 5 s, not every second (design 0029).
     */
    static final Duration POLL_TIMEOUT = Duration.ofSeconds(5);

    private final List<SiteMembership> memberships = new ArrayList<>();

    public CameraOwnership(CameraSupervisor supervisor, CaptureConfig settings,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap,
            @ConfigProperty(name = "vigil.capture.ownership.session-timeout", defaultValue = "10s") Duration sessionTimeout) {
        for (String site : settings.sites()) {
            Properties props = ConsumerLoop.groupProperties(bootstrap,
                    "vigil-capture-ownership-" + settings.instance() + "-" + site, GROUP_PREFIX + site);
            props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) sessionTimeout.toMillis());
            props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(1000, sessionTimeout.toMillis() / 3));
            memberships.add(new SiteMembership(site, supervisor, props));
        }
    }

    void onStart(@Observes StartupEvent e) {
        memberships.forEach(m -> m.loop = ConsumerLoop.start("camera-ownership-" + m.site, m.props,
                POLL_TIMEOUT, m));
    }

    void onStop(@Observes ShutdownEvent e) {
        memberships.parallelStream().filter(m -> m.loop != null).forEach(m -> m.loop.stop(Duration.ofSeconds(30)));
    }

    /** Whether this instance has joined the group of each of its sites (it may own no camera). */
    public boolean joined() {
        return memberships.stream().allMatch(m -> m.joined);
    }

    /** The registry partitions assigned to this instance, in each site's group. */
    public int assignedPartitions() {
        return memberships.stream().mapToInt(m -> m.assigned.size()).sum();
    }

    /** This instance's membership in one site's group: the cameras of that site in its assigned partitions. */
    private static final class SiteMembership implements ConsumerLoop.Body {
        private final String site;
        private final CameraSupervisor supervisor;
        private final Properties props;
        private final Map<String, TopicPartition> cameraPartitions = new ConcurrentHashMap<>();
        private final Set<TopicPartition> assigned = ConcurrentHashMap.newKeySet();
        private volatile boolean joined;
        private ConsumerLoop loop;

        SiteMembership(String site, CameraSupervisor supervisor, Properties props) {
            this.site = site;
            this.supervisor = supervisor;
            this.props = props;
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
            List<CameraConfig> mine = new ArrayList<>();
            latest.values().forEach(r -> {
                CameraConfig camera = read(r);
                if (camera != null) {
                    mine.add(camera);
                }
            });
            supervisor.applyAll(mine);
        }

        @Override
        public void stopping(KafkaConsumer<String, byte[]> c) {
            release(id -> true);
        }

        @Override
        public void failed(RuntimeException e) {
            joined = false;
            release(id -> true);
            assigned.clear();
        }

        /** Stops this membership's cameras that match, and forgets them. */
        private void release(java.util.function.Predicate<String> cameraIds) {
            Set<String> mine = new HashSet<>(cameraPartitions.keySet());
            mine.removeIf(cameraIds.negate());
            supervisor.stopWhere(site, mine::contains);
            cameraPartitions.keySet().removeAll(mine);
        }

        /**
         * Handles a record that stops or releases a camera here (a tombstone, another site's camera); answers the
         * camera of this site to apply, or null.
         */
        private CameraConfig read(ConsumerRecord<String, byte[]> r) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            if (r.value() == null) {
                if (cameraPartitions.remove(r.key()) != null) {
                    supervisor.stop(r.key(), site);
                }
                return null;
            }
            try {
                CameraConfig c = Json.read(r.value(), CameraConfig.class);
                if (!r.key().equals(c.id())) {
                    LOG.warnf("camera registry record with key %s holds camera %s; ignored", r.key(), c.id());
                    return null;
                }
                if (!site.equals(c.site())) {
                    // another site's camera (or one just moved there): that site's own instances capture it
                    if (cameraPartitions.remove(c.id()) != null) {
                        supervisor.stop(c.id(), site);
                        LOG.infof("camera %s is now at site %s: released", c.id(), c.site());
                    }
                    return null;
                }
                cameraPartitions.put(c.id(), tp);
                return c;
            } catch (MalformedMessageException e) {
                LOG.warnf("camera registry record %s at %s-%d@%d is unreadable: %s", r.key(), r.topic(),
                        r.partition(), r.offset(), e.getMessage());
                return null;
            }
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
                    LOG.infof("site %s: owning %d more camera partitions (%d in all)", site, partitions.size(),
                            assigned.size());
                }
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                revoke(partitions);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                revoke(partitions);
            }

            private void revoke(Collection<TopicPartition> partitions) {
                Set<TopicPartition> gone = new HashSet<>(partitions);
                assigned.removeAll(gone);
                release(id -> gone.contains(cameraPartitions.get(id)));
            }
        }
    }
}
