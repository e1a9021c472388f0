package org.vigil.runtime.audit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.Json;
import org.vigil.contracts.Topics;
import org.vigil.contracts.TraceHeaders;

/**
 * The one audit publisher, for every service that audits (gateway, export, retention), with one failure policy:
 * <ol>
 * <li>An action that changes the service's own tables stores its entries with {@link #storeIn}, in the <b>same
 * transaction</b> as the change: both commit or neither does, so no change is ever left without its entry (the
 * action fails instead, when the outbox cannot be written).</li>
 * <li>Any other action (a sign-in, a download) uses {@link #record}, which writes the entry to the service's own
 * <b>outbox</b> table in PostgreSQL (a commit: it survives a broker outage and a restart of the service) and returns;
 * the caller never waits for Kafka and is never failed by auditing.</li>
 * <li>A relay thread sends the outbox to {@code vigil.audit.v1} in order ({@code acks=all}, idempotent producer) and
 * deletes each row only once Kafka acknowledged it. While Kafka is down, rows wait, and the relay retries from 1 s up
 * to every 10 s. A row sent twice (a crash between the ack and the delete) is dropped by the event service, which
 * keeps one entry per id.</li>
 * <li>If the database refuses the write, the entry is sent to Kafka directly; if that fails too, the entry is logged
 * at ERROR with its id, action, actor and target (never its details) and counted in {@code vigil_audit_lost_total}.
 * </li>
 * </ol>
 * Several instances of a service share the table: rows are leased ({@code FOR UPDATE SKIP LOCKED}) for 30 s, so two
 * relays do not send the same rows. The caller's trace context goes with the entry ({@code traceparent} header), as on
 * every Vigil record. The outbox table ({@code seq bigserial, id uuid unique, entry bytea, traceparent text,
 * leased_until timestamptz}) is created by each service's own migration. The recorder, which has no database, keeps
 * the same policy with files: {@link AuditSpool}.
 */
public final class AuditPublisher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AuditPublisher.class);
    private static final int BATCH = 500;
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration DB_TIMEOUT = Duration.ofSeconds(10);
    private static final long MAX_BACKOFF_MILLIS = 10_000;
    /**
     * How often an idle relay looks at the outbox without being woken. Every entry this instance stores wakes it (on
     * commit, for entries stored in a transaction), so the look is only for rows no wake announced: those another
     * instance of the service left leased when it died (their lease runs out after {@link #LEASE} anyway). Looking
     * every second cost each of four services a query a second on a stack doing nothing (design 0021).
     */
    static final Duration IDLE_LOOK = Duration.ofSeconds(30);

    private final String service;
    private final Pool pool;
    private final String table;
    private final InstantSource clock;
    private final Producer<String, byte[]> producer;
    private final Semaphore wake = new Semaphore(0);
    private final AtomicLong pending = new AtomicLong();
    private final AuditDelivery delivery;
    private final Thread relay;
    private volatile boolean running = true;
    /** The rows this instance has leased and not yet deleted: released when it stops, for another to send at once. */
    private volatile Long[] inFlight = new Long[0];

    private AuditPublisher(String service, Pool pool, String table, Properties kafka, InstantSource clock,
            MeterRegistry metrics) {
        if (!table.matches("[a-z_]+\\.[a-z_]+")) {
            throw new IllegalArgumentException("not a schema-qualified table name: " + table);
        }
        this.service = service;
        this.pool = pool;
        this.table = table;
        this.clock = clock;
        this.delivery = new AuditDelivery(service, "outbox", kafka, SEND_TIMEOUT, metrics);
        this.producer = delivery.producer;
        Gauge.builder("vigil_audit_outbox_pending", pending, AtomicLong::doubleValue)
                .description("audit entries in the outbox, not yet acknowledged by Kafka").register(metrics);
        this.relay = new Thread(this::relay, service + "-audit-relay");
        this.relay.setDaemon(true);
    }

    /**
     * Starts a publisher for {@code service}, whose outbox is {@code table} (schema-qualified) in {@code pool}'s
     * database; {@code kafka} holds at least {@code bootstrap.servers}.
     */
    public static AuditPublisher start(String service, Pool pool, String table, Properties kafka, InstantSource clock,
            MeterRegistry metrics) {
        AuditPublisher a = new AuditPublisher(service, pool, table, kafka, clock, metrics);
        a.relay.start();
        return a;
    }

    /**
     * Records one action now. Completes once the entry is durable (in the outbox, or acknowledged by Kafka when the
     * database refused it); never completes exceptionally: a lost entry is logged and counted instead.
     */
    public CompletionStage<Void> record(String actor, String action, String target, String site, String outcome,
            Map<String, String> details) {
        Entry x = entry(actor, action, target, site, outcome, details);
        AuditEntry e = x.entry();
        byte[] json = x.json();
        String traceparent = x.traceparent();
        CompletableFuture<Void> done = new CompletableFuture<>();
        pool.preparedQuery("insert into " + table + " (id, entry, traceparent) values ($1, $2, $3) "
                + "on conflict (id) do nothing")
                .execute(Tuple.of(UUID.fromString(e.id()), io.vertx.core.buffer.Buffer.buffer(json), traceparent))
                .subscribe().with(ok -> {
                    pending.incrementAndGet();
                    wake.release();
                    done.complete(null);
                }, dbFailure -> delivery.sendDirectly(e, json, traceparent, dbFailure, done));
        return done;
    }

    /** An entry built now (its id, time and trace fixed) and not yet stored. */
    public record Entry(AuditEntry entry, byte[] json, String traceparent) {
    }

    /** Builds an entry for {@link #storeIn}: what {@link #record} would record now. */
    public Entry entry(String actor, String action, String target, String site, String outcome,
            Map<String, String> details) {
        AuditEntry e = new AuditEntry(AuditEntry.VERSION, UUID.randomUUID().toString(), clock.instant(), service, actor,
                action, target, site, outcome, details == null ? Map.of() : details);
        return new Entry(e, Json.write(e), traceparent());
    }

    /**
     * Stores {@code entries} in the outbox through {@code tx}, the caller's transaction on this service's database: they
     * commit with the caller's change, or roll back with it. The relay is woken, and sends them, once they commit.
     */
    public Uni<Void> storeIn(SqlClient tx, List<Entry> entries) {
        if (entries.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = entries.stream().map(x -> Tuple.of(UUID.fromString(x.entry().id()),
                io.vertx.core.buffer.Buffer.buffer(x.json()), x.traceparent())).toList();
        return tx.preparedQuery("insert into " + table + " (id, entry, traceparent) values ($1, $2, $3)")
                .executeBatch(rows).invoke(() -> wakeOnCommit(tx)).replaceWithVoid();
    }

    /**
     * Wakes the relay once the caller's transaction commits (its rows are not visible before), or at once outside one;
     * a rollback wakes nobody: there is nothing to send.
     */
    private void wakeOnCommit(SqlClient tx) {
        io.vertx.mutiny.sqlclient.Transaction t = tx instanceof io.vertx.mutiny.sqlclient.SqlConnection c
                ? c.transaction() : null;
        if (t == null) {
            wake.release();
            return;
        }
        t.completion().subscribe().with(committed -> wake.release(), rolledBack -> {
        });
    }

    /**
     * The W3C trace context of the caller's current span (an HTTP request), kept with the entry so that the record
     * carries it as every Vigil record does ({@code TraceHeaders}); outside a trace (a scheduled run, work handed to
     * a pool), a new trace, as a producer span without a parent would start. Shared with {@link AuditSpool}.
     */
    static String traceparent() {
        SpanContext sc = Span.current().getSpanContext();
        if (sc.isValid()) {
            return "00-" + sc.getTraceId() + "-" + sc.getSpanId() + "-" + sc.getTraceFlags().asHex();
        }
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        return String.format("00-%016x%016x-%016x-01", r.nextLong() | 1, r.nextLong(), r.nextLong() | 1);
    }

    /** The audit record of one entry: keyed by its id, with its trace context; shared with {@link AuditSpool}. */
    static ProducerRecord<String, byte[]> record(String id, byte[] json, String traceparent) {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.AUDIT, id, json);
        if (traceparent != null) {
            r.headers().add(TraceHeaders.TRACEPARENT, traceparent.getBytes(StandardCharsets.US_ASCII));
        }
        return r;
    }


    /** Rows in the outbox, not yet acknowledged by Kafka (as of the relay's last look). */
    public long pending() {
        return pending.get();
    }

    private void relay() {
        long backoff = 0;
        boolean failing = false;
        while (running) {
            try {
                if (backoff > 0) {
                    wake.tryAcquire(backoff, TimeUnit.MILLISECONDS);
                } else {
                    wake.tryAcquire(IDLE_LOOK.toMillis(), TimeUnit.MILLISECONDS);
                }
                wake.drainPermits();
                int n;
                do {
                    n = relayBatch();
                } while (n == BATCH && running);
                if (failing) {
                    LOG.infof("audit relay: Kafka takes entries again; the outbox is empty");
                }
                failing = false;
                backoff = 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                if (!failing) {
                    LOG.warnf("audit relay: %s; %d entries wait in the outbox (they are kept, and sent once it works)",
                            e.getMessage(), pending.get());
                }
                failing = true;
                backoff = Math.min(MAX_BACKOFF_MILLIS, Math.max(1000, backoff * 2));
            }
        }
    }

    /** Leases the oldest rows, sends them, deletes those Kafka acknowledged; the number leased. */
    private int relayBatch() {
        List<Row> rows = new ArrayList<>();
        pool.query("update " + table + " set leased_until = now() + interval '" + LEASE.toSeconds() + " seconds' "
                + "where seq in (select seq from " + table + " where leased_until is null or leased_until < now() "
                + "order by seq limit " + BATCH + " for update skip locked) returning seq, id, entry, traceparent")
                .execute().await().atMost(DB_TIMEOUT).forEach(rows::add);
        countPending();
        if (rows.isEmpty()) {
            return 0;
        }
        rows.sort((a, b) -> Long.compare(a.getLong("seq"), b.getLong("seq")));
        inFlight = rows.stream().map(r -> r.getLong("seq")).toArray(Long[]::new);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (Row r : rows) {
            records.add(record(r.getUUID("id").toString(), r.getBuffer("entry").getBytes(), r.getString("traceparent")));
        }
        AuditDelivery.Sent sent = delivery.sendInOrder(records);
        List<Long> acked = rows.subList(0, sent.acked()).stream().map(r -> r.getLong("seq")).toList();
        RuntimeException failure = sent.failure();
        if (!acked.isEmpty()) {
            pool.preparedQuery("delete from " + table + " where seq = any($1)")
                    .execute(Tuple.tuple().addArrayOfLong(acked.toArray(new Long[0]))).await().atMost(DB_TIMEOUT);
            delivery.sent(acked.size());
        }
        if (failure != null) {
            // the rest is leased for LEASE: release it, so the next try does not wait for the lease to run out
            pool.preparedQuery("update " + table + " set leased_until = null where seq = any($1)")
                    .execute(Tuple.tuple().addArrayOfLong(rows.stream().map(r -> r.getLong("seq"))
                            .filter(s -> !acked.contains(s)).toArray(Long[]::new))).await().atMost(DB_TIMEOUT);
            countPending();
            inFlight = new Long[0];
            throw failure;
        }
        inFlight = new Long[0];
        countPending();
        return rows.size();
    }

    private void countPending() {
        pool.query("select count(*) from " + table).execute().await().atMost(DB_TIMEOUT)
                .forEach(r -> pending.set(r.getLong(0)));
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /**
     * Stops the relay (what is left stays in the outbox for the next start, or another instance) and closes the
     * producer. Rows still leased by this instance are released, so that another instance sends them at once rather
     * than after the lease; one of them may then be sent twice, which the event service drops by its id.
     */
    @Override
    public void close() {
        running = false;
        wake.release();
        try {
            relay.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Long[] leased = inFlight;
        if (leased.length > 0) {
            try {
                pool.preparedQuery("update " + table + " set leased_until = null where seq = any($1)")
                        .execute(Tuple.tuple().addArrayOfLong(leased)).await().atMost(DB_TIMEOUT);
            } catch (RuntimeException e) {
                LOG.warnf("audit relay: %d leased entries not released (%s); they are sent once the lease ends",
                        leased.length, e.getMessage());
            }
        }
        producer.close(Duration.ofSeconds(3));
    }
}
