package org.vigil.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.runtime.kafka.CompactedTopics;
import org.vigil.runtime.kafka.ConsumerLoop;

/**
 * The shared Kafka readers sleep while nothing happens (design 0029), against a real broker: a reader that wants
 * nothing asks the broker nothing (a paused one would wake ten times a second), a nudge ends a long poll at once, and
 * an empty compacted topic counts as loaded without waiting out a poll.
 */
class ConsumerLoopIdleTest {

    private final String bootstrap = SharedServers.kafka().bootstrapServers();

    @Test
    void aPausedPartitionKeepsAPollAwakeAnAsleepBodyAsksNothing() throws Exception {
        List<TopicPartition> parts = topic(2, "delete");
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            c.assign(parts);
            c.seekToEnd(parts);
            c.pause(parts); // as the previews reader and the recorder did: paused before a first fetch
            // what design 0029 found: a paused partition is never given a position, and while one lacks it the
            // consumer wakes every retry.backoff.ms (0.1 s), so a paused reader is no sleeping one; if Kafka stops
            // doing so, the asleep state could go
            assertThat(selectsDuring(c, Duration.ofSeconds(2))).as("wake-ups of a paused poll of 2 s")
                    .isGreaterThanOrEqualTo(10);
        }
        AtomicInteger opened = new AtomicInteger();
        AtomicInteger looked = new AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<KafkaConsumer<String, byte[]>> seen =
                new java.util.concurrent.atomic.AtomicReference<>();
        ConsumerLoop loop = ConsumerLoop.start("asleep-test", ConsumerLoop.properties(bootstrap, "asleep-test"),
                Duration.ofMillis(300), new ConsumerLoop.Body() {
                    @Override
                    public void open(KafkaConsumer<String, byte[]> c) {
                        opened.incrementAndGet();
                        seen.set(c);
                    }

                    @Override
                    public boolean asleep() {
                        return true;
                    }

                    @Override
                    public void poll(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
                        looked.incrementAndGet();
                    }
                });
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (looked.get() < 5 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(looked.get()).as("the body looks every poll timeout while asleep").isGreaterThanOrEqualTo(5);
            long selects = selects(seen.get());
            int before = looked.get();
            while (looked.get() < before + 3 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(selects(seen.get())).as("an asleep consumer does no I/O").isEqualTo(selects);
            assertThat(opened.get()).as("never polled while holding nothing (that throws)").isEqualTo(1);
        } finally {
            loop.stop(ConsumerLoop.CLOSE_TIMEOUT);
        }
    }

    @Test
    void aNudgeEndsALongPollAtOnceOnTheSameConsumer() throws Exception {
        List<TopicPartition> parts = topic(1, "delete");
        AtomicInteger opened = new AtomicInteger();
        CountDownLatch polled = new CountDownLatch(2);
        ConsumerLoop loop = ConsumerLoop.start("nudge-test", ConsumerLoop.properties(bootstrap, "nudge-test"),
                Duration.ofMinutes(5), new ConsumerLoop.Body() {
                    @Override
                    public void open(KafkaConsumer<String, byte[]> c) {
                        opened.incrementAndGet();
                        c.assign(parts);
                        c.seekToEnd(parts);
                    }

                    @Override
                    public void poll(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
                        polled.countDown();
                    }
                });
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (polled.getCount() > 0 && System.nanoTime() < deadline) {
                loop.nudge(); // before the consumer exists it does nothing; then each ends the poll under way
                polled.await(200, TimeUnit.MILLISECONDS);
            }
            assertThat(polled.getCount()).as("polls ended by nudges, not by the 5 min timeout").isZero();
            assertThat(opened.get()).as("the same consumer goes on").isEqualTo(1);
            assertThat(loop.running()).isTrue();
        } finally {
            loop.stop(ConsumerLoop.CLOSE_TIMEOUT);
        }
    }

    @Test
    void anEmptyCompactedTopicIsLoadedWithoutWaitingForAPoll() throws Exception {
        List<TopicPartition> parts = topic(3, "compact");
        CompactedTopics t = CompactedTopics.follow("empty-test", bootstrap, "empty-test",
                List.of(parts.get(0).topic()), Duration.ofMinutes(5), r -> { });
        try {
            t.loaded().get(20, TimeUnit.SECONDS); // a TimeoutException fails the test
        } finally {
            t.stop();
        }
    }

    /** How many times the consumer's I/O layer looked for work during one poll of {@code d}. */
    private static long selectsDuring(KafkaConsumer<String, byte[]> c, Duration d) {
        long before = selects(c);
        assertThat(c.poll(d).isEmpty()).isTrue();
        return selects(c) - before;
    }

    private static long selects(KafkaConsumer<String, byte[]> c) {
        for (Map.Entry<org.apache.kafka.common.MetricName, ? extends Metric> e : c.metrics().entrySet()) {
            if (e.getKey().name().equals("select-total") && e.getKey().group().equals("consumer-metrics")) {
                return (long) ((Number) e.getValue().metricValue()).doubleValue();
            }
        }
        throw new AssertionError("no select-total metric");
    }

    private KafkaConsumer<String, byte[]> consumer() {
        Properties p = ConsumerLoop.properties(bootstrap, "idle-test-" + UUID.randomUUID());
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private List<TopicPartition> topic(int partitions, String cleanup) throws Exception {
        String name = "test.idle-" + UUID.randomUUID();
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1)
                    .configs(Map.of("cleanup.policy", cleanup)))).all().get(30, TimeUnit.SECONDS);
        }
        return java.util.stream.IntStream.range(0, partitions).mapToObj(i -> new TopicPartition(name, i)).toList();
    }
}
