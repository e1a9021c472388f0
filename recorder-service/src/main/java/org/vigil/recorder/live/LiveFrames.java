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
import org.vigil.contracts.LiveDemand;
import org.vigil.contracts.LiveFrame;
import org.vigil.contracts.MalformedMessageException;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.StreamParams;
import org.vigil.contracts.Topics;
import org.vigil.runtime.live.LiveDemandSender;

/**
 * A camera's live video for a gateway, only while someone watches: nothing is read or sent otherwise, so video leaves
 * the site only when it is watched. Two kinds:
 * <ul>
 * <li>previews (design 0017 §3): the JPEGs its capture publishes on this site's Kafka ({@link Topics#PREVIEWS}), read
 * from the newest on;</li>
 * <li>native (design 0019): the camera's own stream ({@link Topics#MEDIA}), only its partition, from the last key frame
 * of the last few seconds, as fMP4 ({@link Fmp4}): an init segment, then a fragment per frame.</li>
 * </ul>
 * Previews and sub-streams exist for live view alone: capture publishes them only while a stream here (or a gateway's
 * previews reader) holds a lease on them (design 0023), so the first picture of one waits for capture to hear of it
 * and, natively, for the camera's next key frame.
 *
 * <p>Each message goes out as {@code [u32 length][LiveFrame]}, the inner part being exactly what a gateway sends its
 * browsers, so it relays each without reframing; a length of 0 is a keep-alive.
 */
@ApplicationScoped
public class LiveFrames {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(LiveFrames.class);

    /** Preview streams at once; more are refused (503) rather than starving playback of threads. */
    static final int MAX_STREAMS = 8;
    /** Native streams at once: a gateway holds one per camera watched, so a 16-camera grid from two gateways fits. */
    static final int MAX_NATIVE_STREAMS = 32;
    /** How far back a native stream looks for the key frame it starts at: past the longest usual GOP. */
    static final Duration NATIVE_START = Duration.ofSeconds(6);
    /** A stream ends after this long; the gateway opens another while someone still watches. */
    static final Duration MAX_LENGTH = Duration.ofMinutes(30);

    private final String bootstrap;
    /** Made with the first stream that needs capture told (design 0023): an idle recorder holds no producer. */
    private LiveDemandSender demand;
    private final Semaphore streams = new Semaphore(MAX_STREAMS);
    private final Semaphore nativeStreams = new Semaphore(MAX_NATIVE_STREAMS);

    public LiveFrames(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        this.bootstrap = bootstrap;
    }

    @jakarta.annotation.PreDestroy
    synchronized void close() {
        if (demand != null) {
            demand.close();
        }
    }

    private synchronized LiveDemandSender demand() {
        if (demand == null) {
            demand = new LiveDemandSender(bootstrap, "recorder-live");
        }
        return demand;
    }

    /** A place for one more preview stream, or false when {@value #MAX_STREAMS} run already. */
    public boolean admit() {
        return streams.tryAcquire();
    }

    /** A place for one more native stream, or false when {@value #MAX_NATIVE_STREAMS} run already. */
    public boolean admitNative() {
        return nativeStreams.tryAcquire();
    }

    /** What one record of the camera becomes: messages to send (none, one, or an init and a fragment), or an end. */
    private interface Messages {
        /**
         * The messages for {@code r}; null to end the stream. {@code catchingUp}: {@code r} was written before the
         * stream started (the records read from {@code back} ago), so more of them follow at once.
         */
        List<byte[]> of(ConsumerRecord<String, byte[]> r, boolean catchingUp);
    }

    /**
     * Writes {@code camera}'s previews from now on (see {@link #stream(String, String, Duration, OutputStream,
     * java.util.function.BooleanSupplier, Messages, Semaphore, String)}). Call only after {@link #admit()} said yes.
     */
    public void stream(String camera, OutputStream out, java.util.function.BooleanSupplier gone) throws IOException {
        stream(camera, Topics.PREVIEWS, LiveDemand.PREVIEWS, Duration.ZERO, out, gone,
                (r, old) -> List.of(message(camera, r)), streams, "live view");
    }

    /**
     * Writes {@code camera}'s own stream as fMP4, from the newest key frame of the last {@link #NATIVE_START} on (the
     * records before the stream started are held back until a newer key frame replaces them or the stream catches up,
     * so a viewer starts at most one GOP behind). A codec that cannot be written ({@link Fmp4#supports}) ends it with
     * an {@code unsupported} message. {@code sub}: the camera's sub-stream ({@code vigil.substreams.v1}) instead of
     * its main stream. Call only after {@link #admitNative()} said yes.
     */
    public void streamNative(String camera, boolean sub, OutputStream out, java.util.function.BooleanSupplier gone)
            throws IOException {
        Fmp4[] fmp4 = new Fmp4[1];
        List<byte[]> held = new java.util.ArrayList<>();
        stream(camera, sub ? Topics.SUBSTREAMS : Topics.MEDIA, sub ? LiveDemand.SUBSTREAM : null, NATIVE_START, out,
                gone, (r, catchingUp) -> {
            MediaPacket p;
            try {
                p = MediaPacket.read(r.key(), r.headers(), r.value());
            } catch (MalformedMessageException e) {
                return List.of(); // one bad record is skipped; the next key frame recovers
            }
            if (catchingUp && p.keyFrame() && fmp4[0] != null) {
                held.clear(); // a newer key frame: start there
                fmp4[0] = null;
            }
            if (fmp4[0] == null) {
                if (!p.keyFrame()) {
                    return List.of(); // before the first key frame nothing can be decoded
                }
                if (!Fmp4.supports(p.codec())) {
                    return null;
                }
                fmp4[0] = new Fmp4(p.params().frameRate());
            }
            if (p.keyFrame() && !Fmp4.supports(p.codec())) {
                return null; // the camera changed codec
            }
            StreamParams params = p.params();
            Fmp4.Output o = fmp4[0].accept(params == null ? 0 : params.width(), params == null ? 0 : params.height(),
                    params == null ? new byte[0] : params.extradata(), p.data(), p.pts(), p.dts(), p.timeBaseNum(),
                    p.timeBaseDen(), p.keyFrame());
            List<byte[]> m = new java.util.ArrayList<>(2);
            if (o.init() != null) {
                m.add(LiveFrame.init(camera, o.init().mime(), o.init().width(), o.init().height(), o.init().bytes()));
            }
            if (o.fragment() != null) {
                m.add(LiveFrame.fragment(camera, p.wallMicros(), o.key(), o.fragment()));
            }
            if (catchingUp) {
                held.addAll(m);
                return List.of();
            }
            if (!held.isEmpty()) {
                m.addAll(0, held);
                held.clear();
            }
            return m;
        }, nativeStreams, sub ? "native live view (sub-stream)" : "native live view");
    }

    /**
     * Writes {@code camera}'s records of {@code topic}, from {@code back} ago (zero: from now), as {@code messages}
     * makes them, to {@code out} until the reader goes away ({@code gone}, or a write fails), {@code messages} ends it
     * or {@link #MAX_LENGTH} passes; releases its place in {@code limit}. {@code leased}: the live-only
     * stream ({@link LiveDemand}) that capture publishes only while a lease on it is held, held here for as long as
     * this stream runs; null for the recorded main stream, which always flows.
     */
    private void stream(String camera, String topic, String leased, Duration back, OutputStream out,
            java.util.function.BooleanSupplier gone, Messages messages, Semaphore limit, String what)
            throws IOException {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "recorder-live-" + UUID.randomUUID());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(4 << 20));
        long end = System.nanoTime() + MAX_LENGTH.toNanos();
        DataOutputStream data = new DataOutputStream(out);
        long frames = 0;
        String why = "its time was up";
        LOG.infof("%s of %s: streaming to a gateway", what, camera);
        try (LiveDemandSender.Lease lease = leased == null ? () -> { } : demand().watch(camera, leased);
                KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                        new ByteArrayDeserializer())) {
            int partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).size();
            // the partition the camera's records go to (they are keyed by camera: Kafka's default partitioner)
            TopicPartition tp = new TopicPartition(topic,
                    Utils.toPositive(Utils.murmur2(camera.getBytes(StandardCharsets.UTF_8))) % partitions);
            consumer.assign(List.of(tp));
            long live = consumer.endOffsets(List.of(tp), Duration.ofSeconds(10)).get(tp);
            seek(consumer, tp, back);
            data.writeInt(0); // an empty frame first: the gateway knows at once that the stream is open
            data.flush();
            outer:
            while (System.nanoTime() < end) {
                // a write into a connection the gateway closed is dropped without an error: ask the connection
                if (gone.getAsBoolean()) {
                    why = "the gateway went away";
                    break;
                }
                boolean wrote = false;
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (camera.equals(r.key()) && r.value() != null) {
                        List<byte[]> m = messages.of(r, r.offset() < live - 1);
                        if (m == null) {
                            String codec = header(r, MediaPacket.H_CODEC);
                            byte[] message = LiveFrame.unsupported(camera, codec);
                            data.writeInt(message.length);
                            data.write(message);
                            data.flush();
                            why = "its codec (" + codec + ") is not sent natively";
                            break outer;
                        }
                        for (byte[] message : m) {
                            data.writeInt(message.length);
                            data.write(message);
                            wrote = true;
                            frames++;
                        }
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
            limit.release();
            LOG.infof("%s of %s ended after %d frames: %s", what, camera, frames, why);
        }
    }

    /** From {@code back} ago, or from the end when that is zero or nothing is that recent. */
    private static void seek(KafkaConsumer<String, byte[]> consumer, TopicPartition tp, Duration back) {
        if (!back.isZero()) {
            var at = consumer.offsetsForTimes(java.util.Map.of(tp, System.currentTimeMillis() - back.toMillis()),
                    Duration.ofSeconds(10)).get(tp);
            if (at != null) {
                consumer.seek(tp, at.offset());
                return;
            }
        }
        consumer.seekToEnd(List.of(tp));
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        org.apache.kafka.common.header.Header h = r.headers().lastHeader(name);
        return h == null ? "unknown" : new String(h.value(), StandardCharsets.US_ASCII);
    }

    static byte[] message(String camera, ConsumerRecord<String, byte[]> r) {
        return LiveFrame.ofPreview(camera, r.headers(), r.value());
    }
}
