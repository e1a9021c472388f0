package org.vigil.devstack.testing;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Reads and writes Vigil topics in tests, with deadlines instead of sleeps. */
public final class TopicProbe {

    private TopicProbe() {
    }

    /**
     * Reads {@code topic} from its beginning until {@code match} returns non-null for a record, and returns that.
     *
     * @throws AssertionError when nothing matched before the deadline
     */
    public static <T> T await(String bootstrap, String topic, Duration timeout,
            Function<ConsumerRecord<String, byte[]>, T> match) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    T t = match.apply(r);
                    if (t != null) {
                        return t;
                    }
                }
            }
        }
        throw new AssertionError("no matching record on " + topic + " within " + timeout.toSeconds() + " s");
    }

    /** Writes one record and waits for the broker's acknowledgement. */
    public static void send(String bootstrap, String topic, String key, byte[] value) {
        send(bootstrap, new ProducerRecord<>(topic, key, value));
    }

    /**
     * Writes one record (with its headers) and waits for the broker's acknowledgement, through the one producer this
     * JVM keeps for {@code bootstrap}: a producer of its own per record cost a connection, a metadata fetch, a producer
     * id and a thread each time (a test writing 300 segments started 300 producers). A failed write closes that
     * producer, so the next write starts afresh (a broker restarted on the same address).
     */
    public static void send(String bootstrap, ProducerRecord<String, byte[]> record) {
        KafkaProducer<String, byte[]> producer = PRODUCERS.computeIfAbsent(bootstrap, TopicProbe::producer);
        try {
            producer.send(record).get();
        } catch (Exception e) {
            if (PRODUCERS.remove(bootstrap, producer)) {
                producer.close(Duration.ofSeconds(1));
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("cannot write to " + record.topic(), e);
        }
    }

    /** The producers {@link #send} keeps, one per bootstrap address, closed when the JVM exits. */
    private static final Map<String, KafkaProducer<String, byte[]>> PRODUCERS = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> PRODUCERS.values()
                .forEach(p -> p.close(Duration.ofSeconds(1))), "topic-probe-producers"));
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Writes records through one producer that holds them until the last is given (one produce request per partition
     * where they fit), then waits for every acknowledgement: a consumer then usually gets them in one poll.
     */
    public static void sendAll(String bootstrap, java.util.List<ProducerRecord<String, byte[]>> records) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 60_000);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                new ByteArraySerializer())) {
            java.util.List<java.util.concurrent.Future<?>> acks = new java.util.ArrayList<>();
            for (ProducerRecord<String, byte[]> r : records) {
                acks.add(producer.send(r));
            }
            producer.flush();
            for (java.util.concurrent.Future<?> a : acks) {
                a.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot write the records", e);
        }
    }
}
