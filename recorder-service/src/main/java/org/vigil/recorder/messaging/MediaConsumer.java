package org.vigil.recorder.messaging;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.vigil.contracts.Topics;
import org.vigil.recorder.config.RecorderConfig;
import org.vigil.recorder.service.RecordingService;
import org.vigil.runtime.kafka.ConsumerLoop;

/**
 * Consumes the media topic in the {@value #GROUP} group (partitions are keyed by camera, so each camera is written
 * by exactly one recorder) and commits offsets by hand, only up to what is durable on disk. Starts once the registry
 * has been read (so the recording switch of every camera and the storage settings are known before the first packet)
 * and the recordings are reconciled.
 *
 * <p>When the recorder cannot write (low disk, storage error), every partition is rewound to its first packet that is
 * not on disk and paused; it is resumed once writing can go on.
 */
@ApplicationScoped
public class MediaConsumer implements ConsumerLoop.Body {

    private static final Logger LOG = Logger.getLogger(MediaConsumer.class);
    static final String GROUP = "vigil-recorder";

    private final RecordingService recording;
    private final Registry directory;
    private final RecorderConfig config;
    private final Properties props;
    private final Set<TopicPartition> assigned = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean joined;
    private final Map<TopicPartition, Long> lagRecords = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile long lastPollMillis = System.currentTimeMillis();
    static final int FETCH_MIN_BYTES = 1024 * 1024;
    static final Duration FETCH_WAIT = Duration.ofMillis(500);
    private ConsumerLoop loop;
    private long nextCommit;
    /** Whether the consumer is in the media group now; on the loop's thread. */
    private boolean subscribed;

    public MediaConsumer(RecordingService recording, Registry directory, RecorderConfig config,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap, MeterRegistry metrics) {
        Gauge.builder("vigil_recorder_lag_records", this, MediaConsumer::lagRecords).strongReference(true)
                .register(metrics);
        Gauge.builder("vigil_recorder_lag_seconds", this, MediaConsumer::lagSeconds).strongReference(true)
                .register(metrics);
        this.recording = recording;
        this.directory = directory;
        this.config = config;
        props = ConsumerLoop.groupProperties(bootstrap, "vigil-recorder-media", GROUP);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        // a larger socket buffer: catching up on a backlog was 10-20 % faster with it (bench/run recorder-throughput)
        props.put(ConsumerConfig.RECEIVE_BUFFER_CONFIG, 4 * 1024 * 1024);
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 15_000);
        // a fetch waits for FETCH_MIN_BYTES (two seconds of one 4 Mbit/s camera, an eighth of a second of 16) or
        // FETCH_WAIT, not for the first packet: a fetch per frame cost the recorder and the broker more than the
        // packets' writing (design 0022), and at a site of 16 cameras 128 KB still meant 60 fetches a second (0028).
        // Recording is not live view (that reads on a consumer of its own): packets reach their segment at most
        // FETCH_WAIT later, and the broker is asked twice a second when no camera sends.
        props.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, FETCH_MIN_BYTES);
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, (int) FETCH_WAIT.toMillis());
    }

    void onStart(@Observes StartupEvent e) {
        loop = ConsumerLoop.start("media-consumer", props, Duration.ofMillis(500), this);
    }

    void onStop(@Observes ShutdownEvent e) {
        if (loop != null) {
            loop.stop(Duration.ofSeconds(30));
        }
    }

    /** Packets are taken only once the registry is known: a camera's site and recording switch come from it. */
    @Override
    public void beforeFirst(ConsumerLoop loop) {
        while (loop.running() && !directory.caughtUp()) {
            sleep(100);
        }
        if (loop.running()) {
            recording.start();
        }
    }

    @Override
    public void open(KafkaConsumer<String, byte[]> c) {
        subscribed = false;
        nextCommit = 0;
        follow(c);
    }

    /**
     * In the media group while a camera is registered (at any site), out of it while none is: a recorder with nothing
     * to record asks the broker for nothing, neither fetches (twice a second) nor heartbeats (design 0029). Leaving
     * commits what its segments hold (the rebalance listener); what arrives meanwhile waits in Kafka and is read from
     * the committed offsets once a camera is registered. Pausing the partitions instead kept the consumer awake ten
     * times a second.
     */
    private void follow(KafkaConsumer<String, byte[]> c) {
        boolean wanted = !directory.empty();
        if (wanted && !subscribed) {
            c.subscribe(List.of(Topics.MEDIA), new Listener(c));
            subscribed = true;
        } else if (!wanted && subscribed) {
            c.unsubscribe();
            subscribed = false;
            LOG.info("no camera registered: out of the media group until one is");
        }
    }

    @Override
    public boolean asleep() {
        return !subscribed;
    }

    @Override
    public void poll(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        boolean held = consume(c, records);
        lastPollMillis = System.currentTimeMillis();
        recording.tick();
        boolean writing = recording.state() == RecordingService.State.RUNNING;
        if (writing && !held && !c.paused().isEmpty()) { // held: one poll's wait before the packet is offered again
            c.resume(c.paused());
        } else if (!writing) {
            c.pause(c.assignment());
        }
        follow(c);
        long now = System.currentTimeMillis();
        if (subscribed && now >= nextCommit) {
            nextCommit = now + config.commitInterval().toMillis();
            c.commitAsync(owned(recording.committable()), null);
            for (TopicPartition tp : c.assignment()) {
                c.currentLag(tp).ifPresent(l -> lagRecords.put(tp, l));
            }
        }
    }

    /**
     * Closes the open segments, then commits what they hold. Bounded: with the broker gone (a killed stack) the last
     * commit must not hold the exit up; what it misses is consumed again after the restart, and redelivered packets
     * are dropped as duplicates.
     */
    @Override
    public void stopping(KafkaConsumer<String, byte[]> c) {
        recording.stop();
        try {
            c.commitSync(owned(recording.committable()), ConsumerLoop.CLOSE_TIMEOUT);
        } catch (org.apache.kafka.common.KafkaException ex) { // a timeout among them
            LOG.warnf("the last commit did not reach Kafka (%s): the newest packets will be read again and "
                    + "dropped as duplicates", ex.getMessage());
        }
    }

    @Override
    public void failed(RuntimeException e) {
        joined = false;
    }

    /**
     * Hands the batch over; if the recorder stops taking packets, rewinds what it has not written, pauses, and returns
     * true.
     */
    private boolean consume(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> batch) {
        Map<TopicPartition, Long> firstNotTaken = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : batch) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            if (!firstNotTaken.isEmpty()) {
                firstNotTaken.putIfAbsent(tp, r.offset());
                continue;
            }
            org.jboss.logging.MDC.put("camera", r.key()); // what this packet's handling logs names its camera
            try {
                if (!recording.accept(r)) {
                    firstNotTaken.put(tp, r.offset());
                }
            } finally {
                org.jboss.logging.MDC.remove("camera");
            }
        }
        if (!firstNotTaken.isEmpty()) {
            Map<TopicPartition, Long> to = recording.rewind();
            firstNotTaken.forEach((tp, o) -> to.merge(tp, o, Math::min));
            to.keySet().retainAll(c.assignment());
            to.forEach(c::seek);
            c.pause(c.assignment());
            return true;
        }
        return false;
    }

    private Map<TopicPartition, OffsetAndMetadata> owned(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.keySet().retainAll(assigned);
        return offsets;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Records not consumed yet, per partition, as of the last commit. */
    public long lagRecords() {
        return lagRecords.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * How far behind the cameras the recorder is: the age of the newest packet written from a partition that still has
     * records to consume (as of the last commit), in seconds; 0 when caught up.
     */
    public double lagSeconds() {
        return recording.lagSeconds(lagRecords.entrySet().stream().filter(e -> e.getValue() > 0)
                .map(Map.Entry::getKey).toList());
    }

    /** Seconds since the consumer loop last polled: a loop stuck on a hung volume stops polling. */
    public double sinceLastPollSeconds() {
        return (System.currentTimeMillis() - lastPollMillis) / 1000.0;
    }

    /**
     * Joined the recorder group and recording (or idle with no partition), or out of it by design: the registry is
     * read and holds no camera.
     */
    public boolean joined() {
        return joined || (directory.caughtUp() && directory.empty());
    }

    private final class Listener implements ConsumerRebalanceListener {
        private final KafkaConsumer<String, byte[]> consumer;

        Listener(KafkaConsumer<String, byte[]> consumer) {
            this.consumer = consumer;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            assigned.addAll(partitions);
            if (recording.state() != RecordingService.State.RUNNING) {
                consumer.pause(partitions);
            }
            joined = true;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            Set<TopicPartition> gone = new HashSet<>(partitions);
            recording.closeWhere(gone::contains);
            Map<TopicPartition, OffsetAndMetadata> offsets = recording.committable();
            offsets.keySet().retainAll(gone);
            try {
                // bounded, shorter when stopping: the broker may be gone (what is not committed is read again by the
                // next owner, and dropped as duplicates)
                consumer.commitSync(offsets, loop != null && loop.running() ? Duration.ofSeconds(10) : ConsumerLoop.CLOSE_TIMEOUT);
            } catch (org.apache.kafka.common.KafkaException e) {
                LOG.warnf("offsets of revoked partitions not committed (%s): they will be read again", e.getMessage());
            }
            assigned.removeAll(gone);
            recording.forget(gone);
            gone.forEach(lagRecords::remove);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // another recorder owns them now: our open segments there stay partial for the reconcile
            assigned.removeAll(partitions);
            recording.forget(partitions);
            partitions.forEach(lagRecords::remove);
        }
    }
}
