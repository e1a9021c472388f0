package org.vigil.runtime.live;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;
import org.vigil.contracts.Json;
import org.vigil.contracts.LiveDemand;
import org.vigil.contracts.Topics;

/**
 * Tells capture which live-only streams someone reads (design 0023): whatever reads a camera's sub-stream or previews
 * for a viewer holds a {@link #watch lease} while it does. The first lease on a camera's stream is sent at once, all of
 * them again every {@link #REFRESH} while held, and the last one's close sends a release, so capture starts within a
 * poll and stops as soon as the last viewer leaves (or {@link #LEASE} after a sender dies without a word).
 */
public final class LiveDemandSender implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LiveDemandSender.class);

    /** How long one record keeps a stream flowing: four refreshes, so a lost one or two changes nothing. */
    public static final Duration LEASE = Duration.ofSeconds(8);
    /** How often held leases are sent again. */
    public static final Duration REFRESH = Duration.ofSeconds(2);

    /** A viewer's hold on a stream; closing it twice is harmless. */
    public interface Lease extends AutoCloseable {
        @Override
        void close();
    }

    private final String by;
    private final KafkaProducer<String, byte[]> producer;
    private final ScheduledExecutorService timer;
    /** Viewers per lease held (one lease per camera and stream). */
    private final Map<LiveDemand, Integer> held = new HashMap<>();
    private volatile long lastFailureLog;

    /** {@code by} names the sender in capture's logs, e.g. {@code recorder-live}. */
    public LiveDemandSender(String bootstrap, String by) {
        this.by = by;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, by + "-demand");
        // a lost lease is sent again in two seconds: no retries that outlive it, and no idempotence to pay for
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 256L * 1024);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) LEASE.toMillis());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) REFRESH.toMillis() * 2);
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "live-demand");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::refresh, REFRESH.toMillis(), REFRESH.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Someone reads {@code camera}'s {@code stream} ({@link LiveDemand#SUBSTREAM}, {@link LiveDemand#PREVIEWS}). */
    public Lease watch(String camera, String stream) {
        LiveDemand d = new LiveDemand(LiveDemand.VERSION, camera, stream, LEASE.toMillis(), by);
        if (d.invalid() != null) {
            throw new IllegalArgumentException(d.invalid());
        }
        boolean first;
        synchronized (this) {
            first = held.merge(d, 1, Integer::sum) == 1;
        }
        if (first) {
            send(d);
        }
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                release(d);
            }
        };
    }

    private void release(LiveDemand d) {
        boolean last;
        synchronized (this) {
            last = held.computeIfPresent(d, (k, n) -> n > 1 ? n - 1 : null) == null;
        }
        if (last) {
            send(new LiveDemand(LiveDemand.VERSION, d.cameraId(), d.stream(), 0, by));
        }
    }

    private void refresh() {
        List<LiveDemand> now;
        synchronized (this) {
            now = List.copyOf(held.keySet());
        }
        now.forEach(this::send);
    }

    private void send(LiveDemand d) {
        try {
            producer.send(new ProducerRecord<>(Topics.LIVE_DEMAND, d.key(),
                    Json.write(d)), (m, e) -> {
                        if (e != null) {
                            failed(d, e);
                        }
                    });
        } catch (RuntimeException e) {
            failed(d, e); // Kafka unreachable for max.block.ms: the next refresh tries again
        }
    }

    private void failed(LiveDemand d, Exception e) {
        long now = System.nanoTime();
        if (now - lastFailureLog > TimeUnit.MINUTES.toNanos(1)) {
            lastFailureLog = now;
            LOG.warnf("live demand for %s could not be sent (%s); sent again every %d s", d.key(), e.getMessage(),
                    REFRESH.toSeconds());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        producer.close(Duration.ofSeconds(3));
    }
}
