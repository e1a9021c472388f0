package org.vigil.recorder.messaging;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.vigil.contracts.Topics;
import org.vigil.recorder.config.RecorderConfig;
import org.vigil.recorder.service.CameraDirectory;
import org.vigil.recorder.service.RecordingService;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Consumes the media topic in the {@value #GROUP} group (partitions are keyed by camera, so each camera is written
 * by exactly one recorder) and commits offsets by hand, only up to what is durable on disk. Starts once the camera
 * registry has been read, so the recording switch of every camera is known before its first packet.
 */
@ApplicationScoped
public class MediaConsumer implements Runnable {

    private static final Logger LOG = Logger.getLogger(MediaConsumer.class);
    static final String GROUP = "vigil-recorder";

    private final RecordingService recording;
    private final CameraDirectory directory;
    private final RecorderConfig config;
    private final Properties props = new Properties();
    private final Set<TopicPartition> assigned = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean running = true;
    private volatile boolean joined;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    public MediaConsumer(RecordingService recording, CameraDirectory directory, RecorderConfig config,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        this.recording = recording;
        this.directory = directory;
        this.config = config;
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "vigil-recorder-media");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 15_000);
        props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
    }

    void onStart(@Observes StartupEvent e) {
        thread = new Thread(this, "media-consumer");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes ShutdownEvent e) {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(30_000);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void run() {
        while (running && !directory.caughtUp()) {
            sleep(100);
        }
        while (running) {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(),
                    new ByteArrayDeserializer())) {
                consumer = c;
                c.subscribe(List.of(Topics.MEDIA), new Listener(c));
                long nextCommit = 0;
                try {
                    while (running) {
                        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                            recording.accept(r);
                        }
                        recording.tick();
                        long now = System.currentTimeMillis();
                        if (now >= nextCommit) {
                            nextCommit = now + config.commitInterval().toMillis();
                            c.commitAsync(owned(recording.committable()), null);
                        }
                    }
                } catch (WakeupException e) {
                    // stopping
                }
                recording.closeWhere(tp -> true);
                c.commitSync(owned(recording.committable()));
                return;
            } catch (RuntimeException e) {
                LOG.errorf(e, "media consumer failed; rejoining in 5 s");
                joined = false;
                sleep(5000);
            }
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> owned(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.keySet().retainAll(assigned);
        return offsets;
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Joined the recorder group and recording (or idle with no partition). */
    public boolean joined() {
        return joined;
    }

    private final class Listener implements ConsumerRebalanceListener {
        private final KafkaConsumer<String, byte[]> consumer;

        Listener(KafkaConsumer<String, byte[]> consumer) {
            this.consumer = consumer;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            assigned.addAll(partitions);
            joined = true;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            Set<TopicPartition> gone = new HashSet<>(partitions);
            recording.closeWhere(gone::contains);
            Map<TopicPartition, OffsetAndMetadata> offsets = recording.committable();
            offsets.keySet().retainAll(gone);
            consumer.commitSync(offsets);
            assigned.removeAll(gone);
            recording.forget(gone);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // another recorder owns them now: our open segments there stay partial for the reconcile
            assigned.removeAll(partitions);
            recording.forget(partitions);
        }
    }
}
