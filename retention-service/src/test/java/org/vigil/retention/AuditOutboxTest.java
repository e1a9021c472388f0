package org.vigil.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgPool;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.Json;
import org.vigil.contracts.Topics;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.embedded.TopicAdmin;
import org.vigil.devstack.testing.KillableKafka;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.runtime.audit.AuditPublisher;

/**
 * The audit outbox against a real PostgreSQL and a real broker that this test kills: entries recorded before, during
 * and after the outage, and across a restart of the publisher, all reach Kafka; none is lost. An entry stored in a
 * business transaction reaches Kafka when that commits, and never when it rolls back.
 */
class AuditOutboxTest {

    private final Path home = Path.of("target", "audit-outbox-kafka").toAbsolutePath();
    private KillableKafka kafka;
    private Vertx vertx;

    /**
     * Outside Quarkus nothing registers the context-propagation provider up front, and MicroProfile's lazy
     * {@code ContextManagerProvider.instance()} throws "already set" on the loser when two threads (the test's and a
     * Vert.x thread, through Mutiny) look it up first at once: look it up here, on one thread, before either runs.
     */
    @BeforeAll
    static void registerContextPropagationOnce() {
        org.eclipse.microprofile.context.spi.ContextManagerProvider.instance();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (kafka != null) {
            kafka.kill();
        }
        if (vertx != null) {
            vertx.closeAndAwait();
        }
    }

    @Test
    void noEntryIsLostWhenTheBrokerDiesMidWriteOrThePublisherRestarts() throws Exception {
        EmbeddedPostgresServer pg = SharedServers.postgres();
        // a database of its own: the retention service under test elsewhere in this JVM relays its own outbox
        String url = pg.freshDatabase("audit_outbox");
        Flyway.configure().dataSource("jdbc:" + url, "vigil_retention", "").schemas("retention")
                .defaultSchema("retention").locations("classpath:db/retention").load().migrate();
        vertx = Vertx.vertx();
        PgPool pool = PgPool.pool(vertx, PgConnectOptions.fromUri(url).setUser("vigil_retention"),
                new PoolOptions().setMaxSize(4));
        startKafka();
        TopicAdmin.ensureTopics(bootstrap(), (short) 1, Duration.ofHours(1), Duration.ofSeconds(30));
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();

        AuditPublisher audit = AuditPublisher.start("retention-service", pool, "retention.audit_outbox", kafkaProps(),
                InstantSource.system(), metrics);
        Set<String> recorded = new HashSet<>();
        record(audit, 0, 50, recorded);
        kafka.kill(); // mid-write: some entries are on Kafka, some in the outbox or being sent
        record(audit, 50, 100, recorded); // each completes: durable in the outbox with the broker gone
        // entries stored in a business transaction share its fate: committed with it, or gone with its rollback
        AuditPublisher.Entry committed = audit.entry("tester", "test.entry", AuditEntry.SYSTEM + "outbox", null,
                "success", Map.of("n", "tx-committed"));
        pool.withTransaction(tx -> tx.query("select 1").execute().chain(() -> audit.storeIn(tx, List.of(committed))))
                .await().atMost(Duration.ofSeconds(10));
        recorded.add("tx-committed");
        AuditPublisher.Entry rolledBack = audit.entry("tester", "test.entry", AuditEntry.SYSTEM + "outbox", null,
                "success", Map.of("n", "tx-rolled-back"));
        assertThatThrownBy(() -> pool.withTransaction(tx -> audit.storeIn(tx, List.of(rolledBack))
                .chain(() -> tx.query("select 1 / 0").execute())).await().atMost(Duration.ofSeconds(10)))
                .hasMessageContaining("division by zero");
        assertThat(pool.preparedQuery("select count(*) from retention.audit_outbox where id = $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(java.util.UUID.fromString(rolledBack.entry().id())))
                .await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0))
                .as("an entry whose transaction rolled back").isZero();
        awaitTrue("entries wait in the outbox while Kafka is down", () -> audit.pending() > 0);
        audit.close(); // the service stops with entries still waiting
        AuditPublisher restarted = AuditPublisher.start("retention-service", pool, "retention.audit_outbox",
                kafkaProps(), InstantSource.system(), metrics);
        record(restarted, 100, 120, recorded);
        // an entry recorded inside a request's trace carries its context, through the outbox, to the record's header
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        Span request = Span.wrap(SpanContext.create(traceId, "00f067aa0ba902b7", TraceFlags.getSampled(),
                TraceState.getDefault()));
        try (Scope ignored = request.makeCurrent()) {
            record(restarted, 120, 121, recorded);
        }
        startKafka();

        Set<String> onKafka = new HashSet<>();
        String traced = null;
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(kafkaProps(), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(Topics.AUDIT, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!onKafka.containsAll(recorded) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    AuditEntry e = Json.read(r.value(), AuditEntry.class);
                    assertThat(r.key()).isEqualTo(e.id());
                    assertThat(e.service()).isEqualTo("retention-service");
                    onKafka.add(e.details().get("n"));
                    if ("120".equals(e.details().get("n"))) {
                        traced = new String(r.headers().lastHeader("traceparent").value(), StandardCharsets.US_ASCII);
                    }
                }
            }
        }
        assertThat(onKafka).as("entries on Kafka (the rolled-back one never)").containsExactlyInAnyOrderElementsOf(
                recorded);
        assertThat(traced).as("the traced entry's traceparent").isEqualTo("00-" + traceId + "-00f067aa0ba902b7-01");
        awaitTrue("the outbox empties once Kafka acknowledged everything", () -> restarted.pending() == 0);
        assertThat(metrics.counter("vigil_audit_lost_total").count()).isZero();
        restarted.close();
    }

    /** Records entries {@code from} to {@code to} (their number in the details), each durable before the next. */
    private static void record(AuditPublisher audit, int from, int to, Set<String> numbers) throws Exception {
        for (int i = from; i < to; i++) {
            CompletableFuture<Void> done = audit.record("tester", "test.entry", AuditEntry.SYSTEM + "outbox", null,
                    "success", Map.of("n", Integer.toString(i))).toCompletableFuture();
            done.get(10, TimeUnit.SECONDS);
            numbers.add(Integer.toString(i));
        }
    }

    private Properties kafkaProps() {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap());
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

    private static void awaitTrue(String what, java.util.function.BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() < deadline).as(what + " within 90 s").isTrue();
            Thread.sleep(100);
        }
    }
}
