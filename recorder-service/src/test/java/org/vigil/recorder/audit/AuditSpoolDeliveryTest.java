package org.vigil.recorder.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.Json;
import org.vigil.contracts.Topics;
import org.vigil.devstack.embedded.TopicAdmin;
import org.vigil.devstack.testing.JavaCommand;
import org.vigil.devstack.testing.KillableKafka;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.runtime.audit.AuditSpool;

/**
 * The recorder's audit spool (runtime's {@link AuditSpool}) against real brokers, as {@code AuditOutboxTest} tests
 * the database outbox: a broker in a JVM of its own that the test kills mid-write, a recorder stopped with entries
 * waiting, and a spool whose process was killed with SIGKILL. Every entry reaches the audit topic, in the order it was
 * recorded (duplicates allowed: the event service keeps one entry per id), and the spool empties.
 */
class AuditSpoolDeliveryTest {

    private final Path home = Path.of("target", "audit-spool-kafka").toAbsolutePath();
    private final Path spoolDir = Path.of("target", "audit-spool-test", UUID.randomUUID().toString()).toAbsolutePath();
    /** Marks this test run's entries (the actor): the shared broker's audit topic holds other tests' entries too. */
    private final String run = "spool-test-" + UUID.randomUUID();
    private KillableKafka kafka;
    private Process spooler;

    @AfterEach
    void tearDown() throws Exception {
        if (kafka != null) {
            kafka.kill();
        }
        if (spooler != null) {
            spooler.destroyForcibly().waitFor();
        }
    }

    @Test
    void noEntryIsLostWhenTheBrokerDiesMidWriteOrTheRecorderStopsAndStartsAgain() throws Exception {
        startKafka();
        TopicAdmin.ensureTopics(bootstrap(), (short) 1, Duration.ofHours(1), Duration.ofSeconds(30));
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        AuditSpool spool = AuditSpool.start("recorder-service", spoolDir, kafkaProps(bootstrap()),
                InstantSource.system(), metrics);
        List<String> recorded = new ArrayList<>();
        record(spool, 0, 25, recorded);
        awaitTrue("the first entries acknowledged", () -> metrics.counter("vigil_audit_sent_total").count() >= 25);
        record(spool, 25, 50, recorded);
        kafka.kill(); // mid-write: entries 25..49 are being sent, or wait to be
        record(spool, 50, 100, recorded); // each durable on disk at once, the broker gone
        awaitTrue("entries wait in the spool while Kafka is down", () -> spool.pending() > 0);

        long t0 = System.nanoTime();
        spool.close(); // the recorder stops with entries waiting
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("closing, Kafka down")
                .isLessThan(Duration.ofSeconds(15));
        assertThat(entryFiles()).as("entries kept on disk for the next start").isNotEmpty();
        AuditSpool restarted = AuditSpool.start("recorder-service", spoolDir, kafkaProps(bootstrap()),
                InstantSource.system(), metrics);
        try {
            record(restarted, 100, 119, recorded);
            // an entry recorded inside a request's trace carries its context, through the spool, to the record's header
            String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
            Span request = Span.wrap(SpanContext.create(traceId, "00f067aa0ba902b7", TraceFlags.getSampled(),
                    TraceState.getDefault()));
            try (Scope ignored = request.makeCurrent()) {
                record(restarted, 119, 120, recorded);
            }
            startKafka();

            Map<String, String> traceparents = new HashMap<>();
            assertThat(firstArrivals(bootstrap(), recorded.size(), traceparents))
                    .as("entries on Kafka, first arrivals in order").containsExactlyElementsOf(recorded);
            assertThat(traceparents.get("119")).as("the traced entry's traceparent")
                    .isEqualTo("00-" + traceId + "-00f067aa0ba902b7-01");
            awaitTrue("the spool empties once Kafka acknowledged everything",
                    () -> restarted.pending() == 0 && entryFiles().isEmpty());
            assertThat(metrics.counter("vigil_audit_lost_total").count()).isZero();
        } finally {
            restarted.close();
        }
        try (Stream<Path> left = Files.list(spoolDir)) {
            assertThat(left.toList()).as("the spool directory after a clean stop").isEmpty();
        }
    }

    @Test
    void whatAKilledRecorderLeftIsSentAtStartAndItsTornFileRemoved() throws Exception {
        // a recorder spools 30 entries with Kafka unreachable and is killed: no close, its lock dies with it
        Path log = Files.createDirectories(spoolDir.getParent()).resolve(run + ".log");
        spooler = new ProcessBuilder(JavaCommand.of("-Xmx128m",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), SpoolingProcess.class.getName(),
                spoolDir.toString(), "127.0.0.1:" + SharedServers.freePort(), run, "30")).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        awaitTrue("the recorder spooled its entries", () -> {
            try {
                return Files.readString(log).contains("SPOOLED 30");
            } catch (IOException e) {
                return false;
            }
        });
        spooler.destroyForcibly().waitFor();
        List<Path> left = entryFiles();
        assertThat(left).as("entries the killed recorder left").hasSize(30);
        Path killed = left.get(0).getParent();
        // and a file torn mid-write, as a crash during record leaves it (its caller never heard it was recorded)
        Path torn = Files.writeString(killed.resolve(".tmp-00000000000000000031-" + UUID.randomUUID()),
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\n{\"v\":1,\"id\":\"");

        String bootstrap = SharedServers.kafka().bootstrapServers();
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        try (AuditSpool spool = AuditSpool.start("recorder-service", spoolDir, kafkaProps(bootstrap),
                InstantSource.system(), metrics)) {
            assertThat(firstArrivals(bootstrap, 30, new HashMap<>())).as("entries on Kafka, first arrivals in order")
                    .containsExactlyElementsOf(IntStream.range(0, 30).mapToObj(Integer::toString).toList());
            awaitTrue("the killed recorder's directory is gone", () -> !Files.exists(killed));
            assertThat(torn).doesNotExist();
            assertThat(spool.pending()).isZero();
            assertThat(metrics.counter("vigil_audit_lost_total").count()).isZero();
        }
    }

    /** Records entries {@code from} to {@code to} (their number in the details), each durable before the next. */
    private void record(AuditSpool spool, int from, int to, List<String> numbers) {
        for (int i = from; i < to; i++) {
            assertThat(spool.record(run, "test.entry", AuditEntry.SYSTEM + "spool", null, "success",
                    Map.of("n", Integer.toString(i))).toCompletableFuture()).as("entry " + i + " recorded at once")
                    .isCompleted();
            numbers.add(Integer.toString(i));
        }
    }

    /**
     * Reads the audit topic from its beginning until {@code expected} distinct entries of this run arrived (or 120 s
     * passed): their numbers in the order of first arrival; {@code traceparents} gets each one's header.
     */
    private List<String> firstArrivals(String bootstrap, int expected, Map<String, String> traceparents) {
        List<String> arrived = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(kafkaProps(bootstrap), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(Topics.AUDIT, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (arrived.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    AuditEntry e = Json.read(r.value(), AuditEntry.class);
                    if (!run.equals(e.actor())) {
                        continue;
                    }
                    assertThat(r.key()).isEqualTo(e.id());
                    assertThat(e.service()).isEqualTo("recorder-service");
                    String n = e.details().get("n");
                    if (!arrived.contains(n)) {
                        arrived.add(n);
                        var h = r.headers().lastHeader("traceparent");
                        traceparents.put(n, h == null ? null : new String(h.value(), StandardCharsets.US_ASCII));
                    }
                }
            }
        }
        return arrived;
    }

    private List<Path> entryFiles() {
        if (!Files.exists(spoolDir)) {
            return List.of();
        }
        try (Stream<Path> all = Files.walk(spoolDir)) {
            return all.filter(p -> p.getFileName().toString().endsWith(".audit")).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Properties kafkaProps(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        return p;
    }

    private String bootstrap() {
        return kafka.bootstrapServers();
    }

    /** A broker in its own JVM on the same data directory and ports each time, so that it can be killed for real. */
    private void startKafka() throws Exception {
        if (kafka == null) {
            kafka = new KillableKafka(home);
        }
        kafka.start();
    }

    private static void awaitTrue(String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() < deadline).as(what + " within 90 s").isTrue();
            Thread.sleep(100);
        }
    }
}
