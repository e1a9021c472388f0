package org.vigil.recorder.live;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Semaphore;

import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.vigil.contracts.LiveFrame;
import org.vigil.contracts.Topics;

/**
 * A camera's live pictures for a central gateway (design 0017 §3): the previews its capture publishes on this site's
 * Kafka ({@link Topics#PREVIEWS}), read from the newest on, only while someone at central watches. Nothing is read
 * or sent otherwise: video leaves the site only when it is watched.
 *
 * <p>Each frame goes out as {@code [u32 length][u16 header length][header JSON {camera, wall, width, height}][JPEG]},
 * the inner part being exactly what a gateway sends its browsers, so it relays each frame without reframing.
 */
@ApplicationScoped
public class LiveFrames {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(LiveFrames.class);

    /** Streams at once; more are refused (503) rather than starving playback of threads. */
    static final int MAX_STREAMS = 8;
    /** A stream ends after this long; the gateway opens another while someone still watches. */
    static final Duration MAX_LENGTH = Duration.ofMinutes(30);

    private final String bootstrap;
    private final Semaphore streams = new Semaphore(MAX_STREAMS);

    public LiveFrames(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        this.bootstrap = bootstrap;
    }

    /** A place for one more stream, or false when {@value #MAX_STREAMS} run already. */
    public boolean admit() {
        return streams.tryAcquire();
    }

    /**
     * Writes {@code camera}'s frames from now on to {@code out} until the reader goes away ({@code gone}, or a write
     * fails) or {@link #MAX_LENGTH} passes. Call only after {@link #admit()} said yes; releases that place.
     */
    public void stream(String camera, OutputStream out, java.util.function.BooleanSupplier gone) throws IOException {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "recorder-live-" + UUID.randomUUID());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(4 << 20));
        long end = System.nanoTime() + MAX_LENGTH.toNanos();
        DataOutputStream data = new DataOutputStream(out);
        long frames = 0;
        String why = "its time was up";
        LOG.infof("live view of %s: streaming to a gateway", camera);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            int partitions = consumer.partitionsFor(Topics.PREVIEWS, Duration.ofSeconds(10)).size();
            // the partition the camera's previews go to (they are keyed by camera: Kafka's default partitioner)
            TopicPartition tp = new TopicPartition(Topics.PREVIEWS,
                    Utils.toPositive(Utils.murmur2(camera.getBytes(StandardCharsets.UTF_8))) % partitions);
            consumer.assign(List.of(tp));
            consumer.seekToEnd(List.of(tp));
            data.writeInt(0); // an empty frame first: the gateway knows at once that the stream is open
            data.flush();
            while (System.nanoTime() < end) {
                // a write into a connection the gateway closed is dropped without an error: ask the connection
                if (gone.getAsBoolean()) {
                    why = "the gateway went away";
                    break;
                }
                boolean wrote = false;
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (camera.equals(r.key()) && r.value() != null) {
                        byte[] message = message(camera, r);
                        data.writeInt(message.length);
                        data.write(message);
                        wrote = true;
                        frames++;
                    }
                }
                if (!wrote) {
                    data.writeInt(0); // a keep-alive, which is also how a gone reader is noticed
                }
                data.flush();
            }
        } catch (IOException | RuntimeException e) {
            why = "the gateway went away";
            if (!(e instanceof IOException)) {
                why = e.toString();
            }
        } finally {
            streams.release();
            LOG.infof("live view of %s ended after %d frames: %s", camera, frames, why);
        }
    }

    static byte[] message(String camera, ConsumerRecord<String, byte[]> r) {
        return LiveFrame.ofPreview(camera, r.headers(), r.value());
    }
}
