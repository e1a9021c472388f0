package org.vigil.runtime.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Follows whole compacted topics (the camera registry, the settings) on a {@link ConsumerLoop}: every partition, from
 * the beginning, with no group, so each instance holds the whole table. Each record goes to {@code apply} on the
 * loop's thread; {@link #loaded()} completes once every partition has been read to the end it had when reading
 * started: before that, "not in the table" means nothing.
 */
public final class CompactedTopics implements ConsumerLoop.Body {

    /**
     * A poll timeout for a follower that needs nothing but records (which end a poll at once): an idle one wakes every
     * 5 s. A follower whose callers count {@link #readToEnd()} needs a shorter one: each count is one poll.
     */
    public static final Duration IDLE_POLL = Duration.ofSeconds(5);

    private final List<String> topics;
    private final Consumer<ConsumerRecord<String, byte[]>> apply;
    private final CompletableFuture<Void> loaded = new CompletableFuture<>();
    private final ConsumerLoop loop;
    private List<TopicPartition> parts = List.of();
    private Map<TopicPartition, Long> end = Map.of();
    private final java.util.concurrent.atomic.AtomicLong readToEnd = new java.util.concurrent.atomic.AtomicLong();

    private CompactedTopics(String name, String bootstrap, String clientId, List<String> topics, Duration pollTimeout,
            Consumer<ConsumerRecord<String, byte[]>> apply) {
        this.topics = List.copyOf(topics);
        this.apply = apply;
        this.loop = ConsumerLoop.start(name, ConsumerLoop.properties(bootstrap, clientId), pollTimeout, this);
    }

    /** Starts following {@code topics} on a daemon thread named {@code name}. */
    public static CompactedTopics follow(String name, String bootstrap, String clientId, List<String> topics,
            Duration pollTimeout, Consumer<ConsumerRecord<String, byte[]>> apply) {
        return new CompactedTopics(name, bootstrap, clientId, topics, pollTimeout, apply);
    }

    /** Completes once the topics have been read to their end once. */
    public CompletableFuture<Void> loaded() {
        return loaded;
    }

    /**
     * How many polls have ended with every partition read to the end the broker last reported: a caller that sees
     * this rise by two after a moment knows that every record written before that moment has been applied.
     */
    public long readToEnd() {
        return readToEnd.get();
    }

    /** Stops following (waits for the loop at most {@link ConsumerLoop#CLOSE_TIMEOUT}). */
    public void stop() {
        loop.stop(ConsumerLoop.CLOSE_TIMEOUT);
    }

    @Override
    public void open(KafkaConsumer<String, byte[]> c) {
        parts = ConsumerLoop.partitionsOf(c, topics);
        c.assign(parts);
        c.seekToBeginning(parts);
        end = c.endOffsets(parts, Duration.ofSeconds(30));
        if (!loaded.isDone() && c.beginningOffsets(parts, Duration.ofSeconds(30)).equals(end)) {
            loaded.complete(null); // nothing to read: loaded now, not after a first poll's timeout
        }
    }

    @Override
    public void poll(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        records.forEach(apply);
        if (!loaded.isDone() && parts.stream().allMatch(tp -> c.position(tp) >= end.get(tp))) {
            loaded.complete(null);
        }
        if (loaded.isDone() && parts.stream().allMatch(tp -> c.currentLag(tp).orElse(-1) == 0)) {
            readToEnd.incrementAndGet();
        }
    }
}
