package org.vigil.runtime.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * One plain Kafka consumer on its own thread, for the readers that SmallRye's channels do not fit (a compacted topic
 * read from the start by every instance, a group whose rebalances start and stop cameras, a consumer that pauses and
 * rewinds). The loop owns the parts every such reader needs and used to repeat: the thread, the poll, a new consumer
 * five seconds after a failure, and a stop that wakes the poll and closes within {@link #CLOSE_TIMEOUT} even with the
 * broker gone. The {@link Body} holds what the reader does.
 */
public final class ConsumerLoop {

    private static final Logger LOG = Logger.getLogger(ConsumerLoop.class);

    /** How long the last commit and the close may take when stopping. */
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(3);
    /**
     * How long the broker may hold a fetch that finds no new records (Kafka's fetch.max.wait.ms, 500 ms by default),
     * for a reader with no group (it assigns its partitions itself and keeps them). Records end the wait as soon as
     * they arrive, so this costs no latency on a live topic; it sets how often an idle reader asks, and its broker
     * answers: every 10 s rather than twice a second. Fetches were the broker's largest idle work (design 0021; 0029:
     * 2 s to 10 s). The price: a consumer sends no new fetch to a broker while one is outstanding, so partitions a
     * reader resumes or seeks while others are still waiting may wait up to this long for their first records.
     */
    public static final int IDLE_FETCH_WAIT_MS = 10_000;
    /**
     * The same for a consumer in a group ({@link #groupProperties}): a rebalance hands it partitions while a fetch may
     * be outstanding, so it waits less (a quiet one-camera stack: 10 CPU-s in 40 s with 5 s, 12 with 0.5 s; design
     * 0016).
     */
    public static final int GROUP_FETCH_WAIT_MS = 2000;
    /** How long to wait before a new consumer after a failure. */
    public static final Duration RETRY_DELAY = Duration.ofSeconds(5);

    /** What a reader does with its consumer. Every method runs on the loop's thread. */
    public interface Body {

        /** Once, before the first consumer: wait for what the reader needs (return early when the loop stops). */
        default void beforeFirst(ConsumerLoop loop) {
        }

        /** With each new consumer (at start and after a failure): subscribe, or assign and seek. */
        void open(KafkaConsumer<String, byte[]> consumer);

        /**
         * Whether the body wants nothing from Kafka now (no partition to read, no group to be in): the loop then does
         * not poll the consumer (a consumer with nothing assigned may not poll) but waits out the poll timeout, or a
         * {@link ConsumerLoop#nudge}, and calls {@link #poll} with no records. A paused partition is no substitute:
         * the consumer wakes every retry.backoff.ms (0.1 s) while one of its partitions is paused (design 0029).
         */
        default boolean asleep() {
            return false;
        }

        /** With each poll's records, which may be none. */
        void poll(KafkaConsumer<String, byte[]> consumer, ConsumerRecords<String, byte[]> records);

        /** When the loop stops for good, with the consumer still open: a last commit (bounded by CLOSE_TIMEOUT). */
        default void stopping(KafkaConsumer<String, byte[]> consumer) {
        }

        /** After a consumer failed, before the retry delay: let go of what it owned. */
        default void failed(RuntimeException e) {
        }
    }

    private final String name;
    private final Properties props;
    private final Duration pollTimeout;
    private final Body body;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private final Object resting = new Object();
    private boolean nudged;

    private ConsumerLoop(String name, Properties props, Duration pollTimeout, Body body) {
        this.name = name;
        this.props = props;
        this.pollTimeout = pollTimeout;
        this.body = body;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    /** Starts a loop on a daemon thread named {@code name}. */
    public static ConsumerLoop start(String name, Properties props, Duration pollTimeout, Body body) {
        ConsumerLoop loop = new ConsumerLoop(name, props, pollTimeout, body);
        loop.thread.start();
        return loop;
    }

    /** The settings every loop starts from: the brokers, a client id and no automatic commits. */
    public static Properties properties(String bootstrap, String clientId) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, IDLE_FETCH_WAIT_MS);
        return p;
    }

    /**
     * The settings of a loop in a consumer group: {@link #properties} and the group, a new group starting from the
     * earliest offsets, and cooperative rebalancing (a rebalance takes from an instance only what moves).
     */
    public static Properties groupProperties(String bootstrap, String clientId, String group) {
        Properties p = properties(bootstrap, clientId);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, GROUP_FETCH_WAIT_MS);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        return p;
    }

    /** Every partition of {@code topics}: for readers that see a whole compacted topic, with no group. */
    public static List<TopicPartition> partitionsOf(KafkaConsumer<?, ?> c, Collection<String> topics) {
        List<TopicPartition> parts = new ArrayList<>();
        for (String topic : topics) {
            c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).forEach(parts::add);
        }
        return parts;
    }

    /**
     * Reads {@code topics} from their start to the end they have now, with no group, handing each record to
     * {@code each} on the calling thread: a snapshot of compacted topics.
     *
     * @throws IllegalStateException when reading takes longer than {@code limit}
     */
    public static void readToEnd(Properties props, Collection<String> topics, Duration limit,
            Consumer<ConsumerRecord<String, byte[]>> each) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = partitionsOf(c, topics);
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, limit);
            long deadline = System.nanoTime() + limit.toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("reading " + String.join(", ", topics) + " took longer than "
                            + limit.toSeconds() + " s");
                }
                c.poll(Duration.ofMillis(500)).forEach(each);
            }
        }
    }

    /** False once {@link #stop} was called. */
    public boolean running() {
        return running;
    }

    /**
     * Ends the poll under way (or the next one) at once, so that the body looks again now rather than after its poll
     * timeout: for a body that must notice something other than records soon (a first viewer) and otherwise waits
     * long. Only for bodies that make no blocking consumer call of their own in {@link Body#poll}: a wakeup that lands
     * there ends that call with a {@link WakeupException}, and the loop starts a new consumer.
     */
    public void nudge() {
        synchronized (resting) {
            nudged = true;
            resting.notifyAll();
        }
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null && running) {
            c.wakeup();
        }
    }

    /** While the body is asleep: waits the poll timeout, or less when nudged or stopped. */
    private void rest() {
        synchronized (resting) {
            long end = System.nanoTime() + pollTimeout.toNanos();
            try {
                long left;
                while (!nudged && running && (left = end - System.nanoTime()) > 0) {
                    TimeUnit.NANOSECONDS.timedWait(resting, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
            nudged = false;
        }
    }

    /** Stops the loop: wakes the poll, lets the body make its last commit, closes; waits up to {@code wait}. */
    public void stop(Duration wait) {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        stopped.countDown(); // a loop waiting to retry
        synchronized (resting) {
            resting.notifyAll(); // a loop at rest
        }
        try {
            thread.join(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        body.beforeFirst(this);
        while (running) {
            KafkaConsumer<String, byte[]> c = null;
            try {
                c = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
                consumer = c;
                if (!running) {
                    return; // stopped while the consumer was made: no wakeup reached it
                }
                body.open(c);
                while (running) {
                    ConsumerRecords<String, byte[]> records = ConsumerRecords.empty();
                    if (body.asleep()) {
                        rest();
                    } else {
                        try {
                            records = c.poll(pollTimeout);
                        } catch (WakeupException e) {
                            if (!running) {
                                throw e;
                            }
                            // nudged: the body looks again now
                        }
                    }
                    if (running) {
                        body.poll(c, records);
                    }
                }
                body.stopping(c);
            } catch (WakeupException e) {
                if (running) {
                    continue; // not ours
                }
                body.stopping(c);
            } catch (RuntimeException e) {
                if (!running) {
                    lastWords(c);
                    return;
                }
                LOG.warnf(e, "%s: the Kafka consumer failed (%s); a new one in %d s", name, e.getMessage(),
                        RETRY_DELAY.toSeconds());
                body.failed(e);
                close(c);
                c = null;
                sleep(RETRY_DELAY);
            } finally {
                close(c);
            }
        }
    }

    /** The body's last commit after a failure during the stop: it may not reach Kafka, which the body says. */
    private void lastWords(KafkaConsumer<String, byte[]> c) {
        if (c == null) {
            return;
        }
        try {
            body.stopping(c);
        } catch (RuntimeException e) {
            LOG.warnf("%s: stopping after a failure: %s", name, e.getMessage());
        }
    }

    private static void close(KafkaConsumer<String, byte[]> c) {
        if (c == null) {
            return;
        }
        try {
            c.close(CLOSE_TIMEOUT);
        } catch (KafkaException | IllegalStateException e) {
            // already closed, or the broker is gone: nothing more to do
        }
    }

    private void sleep(Duration d) {
        try {
            stopped.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
