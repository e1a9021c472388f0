package org.vigil.runtime.live;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;
import org.vigil.contracts.Json;
import org.vigil.contracts.LiveDemand;
import org.vigil.contracts.Topics;
import org.vigil.runtime.kafka.ConsumerLoop;

/**
 * What capture knows of who watches its cameras' live-only streams (design 0023): the leases of
 * {@link Topics#LIVE_DEMAND}, each counted from when it arrived here, by this machine's monotonic clock. Read from the
 * end on, with no group: after a restart the senders' next refresh (every {@link LiveDemandSender#REFRESH}) says again
 * what is watched. A record that is not a valid {@link LiveDemand} is skipped and logged.
 */
public final class LiveDemandBoard implements ConsumerLoop.Body {

    private static final Logger LOG = Logger.getLogger(LiveDemandBoard.class);

    /** Leases arrive as records, which end a poll at once: nothing else needs the loop (design 0029). */
    static final Duration POLL_TIMEOUT = Duration.ofSeconds(10);

    private final Map<String, Long> until = new ConcurrentHashMap<>();
    private final LongSupplier nanos;
    private ConsumerLoop loop;
    private volatile long lastBadLog;

    LiveDemandBoard(LongSupplier nanos) {
        this.nanos = nanos;
    }

    /** Reads {@code bootstrap}'s live demand on a thread of its own until {@link #stop}. */
    public static LiveDemandBoard start(String bootstrap, String clientId) {
        LiveDemandBoard board = new LiveDemandBoard(System::nanoTime);
        board.loop = ConsumerLoop.start("live-demand", ConsumerLoop.properties(bootstrap, clientId),
                POLL_TIMEOUT, board);
        return board;
    }

    public void stop() {
        if (loop != null) {
            loop.stop(ConsumerLoop.CLOSE_TIMEOUT);
        }
    }

    /** Whether someone reads {@code camera}'s {@code stream} now. */
    public boolean wanted(String camera, String stream) {
        Long u = until.get(camera + "/" + stream);
        return u != null && u - nanos.getAsLong() > 0;
    }

    @Override
    public void open(KafkaConsumer<String, byte[]> c) {
        List<TopicPartition> parts = ConsumerLoop.partitionsOf(c, List.of(Topics.LIVE_DEMAND));
        c.assign(parts);
        c.seekToEnd(parts);
    }

    @Override
    public void poll(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        for (ConsumerRecord<String, byte[]> r : records) {
            LiveDemand d;
            try {
                d = r.value() == null ? null : Json.read(r.value(), LiveDemand.class);
            } catch (RuntimeException e) {
                bad(r, "not a LiveDemand: " + e.getMessage());
                continue;
            }
            if (d == null) {
                continue;
            }
            String why = d.invalid();
            if (why != null) {
                bad(r, why);
                continue;
            }
            apply(d);
        }
    }

    /** One lease (or its release) as it arrives. */
    void apply(LiveDemand d) {
        boolean was = wanted(d.cameraId(), d.stream());
        if (d.leaseMillis() == 0) {
            until.remove(d.key());
            if (was) {
                LOG.infof("live demand: nobody reads %s's %s any more (%s)", d.cameraId(), d.stream(), d.by());
            }
            return;
        }
        until.put(d.key(), nanos.getAsLong() + d.leaseMillis() * 1_000_000);
        if (!was) {
            LOG.infof("live demand: %s reads %s's %s", d.by(), d.cameraId(), d.stream());
        }
    }

    private void bad(ConsumerRecord<String, byte[]> r, String why) {
        long now = nanos.getAsLong();
        if (now - lastBadLog > 60_000_000_000L) {
            lastBadLog = now;
            LOG.warnf("live demand: skipped the record at offset %d (%s)", r.offset(), why);
        }
    }
}
