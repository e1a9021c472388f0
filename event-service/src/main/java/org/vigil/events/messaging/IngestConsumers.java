package org.vigil.events.messaging;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.CameraStatus;
import org.vigil.contracts.Detections;
import org.vigil.contracts.Json;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.NodeHeartbeat;
import org.vigil.contracts.SegmentClosed;
import org.vigil.contracts.Topics;
import org.vigil.contracts.TraceHeaders;
import org.vigil.events.service.EventIngest;
import org.vigil.events.sites.SiteContact;

/**
 * Kafka edges of the event store. Each channel takes whole poll batches (raw bytes), reads them, sends what cannot be
 * read to the dead-letter topic with the reason, and hands the rest to {@link EventIngest} as one batch. The returned
 * {@link Uni} completes only when the batch is durable in PostgreSQL; while PostgreSQL is down it retries with
 * back-off and the batch stays unacknowledged, so consumption pauses and nothing is lost or skipped.
 * <p>
 * Each batch is handled under one {@code <topic> process} span that ends when the batch is durable. It continues the
 * producer's trace (W3C {@code traceparent} header) when the whole batch belongs to one trace, the usual case for a
 * motion event; otherwise it links to every record's trace (at most {@value #MAX_LINKS}), as OpenTelemetry's
 * messaging conventions do for batches.
 */
@ApplicationScoped
public class IngestConsumers {

    private static final Logger LOG = Logger.getLogger(IngestConsumers.class);
    private static final int MAX_LINKS = 128;

    private final EventIngest ingest;
    private final SiteContact sites;
    private final CameraSites cameraSites;
    private final DeadLetters deadLetters;
    private final MeterRegistry metrics;
    private final OpenTelemetry otel;
    private volatile long lastWarning;

    public IngestConsumers(EventIngest ingest, SiteContact sites, CameraSites cameraSites, DeadLetters deadLetters,
            MeterRegistry metrics, OpenTelemetry otel) {
        this.ingest = ingest;
        this.sites = sites;
        this.cameraSites = cameraSites;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.otel = otel;
    }

    @Incoming(Channels.MOTION)
    public Uni<Void> onMotion(ConsumerRecords<String, byte[]> records) {
        return store("motion", list(records), MotionEvent.class, ingest::motion);
    }

    /**
     * A batch of every other topic, split by topic and stored part by part side by side (each part in its own
     * transaction, as when each topic had a consumer of its own); the batch is acknowledged when every part is durable.
     */
    @Incoming(Channels.LOW_RATE)
    public Uni<Void> onLowRate(ConsumerRecords<String, byte[]> records) {
        Map<String, List<ConsumerRecord<String, byte[]>>> parts = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            parts.computeIfAbsent(SiteTopics.baseOf(r.topic()), t -> new ArrayList<>()).add(r);
        }
        List<Uni<Void>> stored = new ArrayList<>(parts.size());
        parts.forEach((topic, part) -> stored.add(switch (topic) {
            case Topics.DETECTIONS -> store("detections", part, Detections.class, ingest::detections);
            case Topics.SNAPSHOTS -> snapshots(part);
            case Topics.CAMERA_STATUS -> store("status", part, CameraStatus.class, ingest::statuses);
            case Topics.SEGMENTS -> store("segment", part, SegmentClosed.class, ingest::segments);
            case Topics.AUDIT -> audit(part);
            case Topics.NODE_HEARTBEATS -> heartbeats(part);
            // the channel's pattern names only these: another topic here is a configuration error, kept visible
            default -> join(part.stream().map(r -> deadLetters.send(r, "event-service does not read topic " + topic))
                    .toList());
        }));
        return stored.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(stored).andFailFast().replaceWithVoid();
    }

    private Uni<Void> audit(List<ConsumerRecord<String, byte[]>> records) {
        // in the order read: a batch may hold several sites' audit topics, each in its own order (offsets repeat)
        List<AuditEntry> entries = new ArrayList<>(records.size());
        List<Uni<Void>> dead = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            try {
                AuditEntry e = Json.read(r.value(), AuditEntry.class);
                UUID.fromString(e.id());
                if (e.at() == null || e.action() == null || e.actor() == null || e.outcome() == null) {
                    throw new IllegalArgumentException("audit entry without at, action, actor or outcome");
                }
                SiteTopics.checkClaim(r.topic(), e.site());
                entries.add(e);
            } catch (RuntimeException e) {
                dead.add(deadLetters.send(r, reason(e)));
            }
        }
        return traced(records, join(dead).chain(() -> durable("audit", entries.size(), () -> ingest.audit(entries))));
    }

    private Uni<Void> heartbeats(List<ConsumerRecord<String, byte[]>> records) {
        List<NodeHeartbeat> beats = new ArrayList<>(records.size());
        List<Boolean> mirrored = new ArrayList<>(records.size());
        List<Uni<Void>> dead = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            try {
                NodeHeartbeat h = Json.read(r.value(), NodeHeartbeat.class);
                Validation.check(h);
                SiteTopics.checkClaim(r.topic(), h.site());
                beats.add(h);
                mirrored.add(SiteTopics.siteOf(r.topic()).isPresent());
            } catch (RuntimeException e) {
                dead.add(deadLetters.send(r, reason(e)));
            }
        }
        // not traced (heartbeats carry no trace context) and not fanned out: the dashboard asks for sites' contact
        return join(dead).chain(() -> durable("heartbeat", beats.size(), () -> sites.heard(beats, mirrored)));
    }

    private Uni<Void> snapshots(List<ConsumerRecord<String, byte[]>> records) {
        Map<UUID, byte[]> jpegs = new LinkedHashMap<>();
        List<Uni<Void>> dead = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            byte[] j = r.value();
            UUID id;
            try {
                id = UUID.fromString(r.key());
            } catch (RuntimeException e) {
                dead.add(deadLetters.send(r, "the key is not a motion event id (UUID)"));
                continue;
            }
            if (j == null || j.length < 4 || (j[0] & 0xff) != 0xFF || (j[1] & 0xff) != 0xD8) {
                dead.add(deadLetters.send(r, "the value is not a JPEG"));
                continue;
            }
            jpegs.put(id, j);
        }
        return traced(records,
                join(dead).chain(() -> durable("snapshot", jpegs.size(), () -> ingest.snapshots(jpegs))));
    }

    private <T> Uni<Void> store(String kind, List<ConsumerRecord<String, byte[]>> records, Class<T> type,
            Function<List<T>, Uni<Void>> sink) {
        boolean mirrored = false;
        for (ConsumerRecord<String, byte[]> r : records) {
            mirrored |= SiteTopics.siteOf(r.topic()).isPresent();
        }
        // a site's records are judged against central's whole camera registry, never half of it
        Uni<Void> registry = mirrored ? cameraSites.loaded() : Uni.createFrom().voidItem();
        return registry.chain(() -> {
            List<T> items = new ArrayList<>(records.size());
            List<Uni<Void>> dead = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> r : records) {
                try {
                    T item = Json.read(r.value(), type);
                    Validation.check(item);
                    String site = Validation.site(item);
                    SiteTopics.checkClaim(r.topic(), site);
                    if (SiteTopics.siteOf(r.topic()).isPresent()) {
                        cameraSites.check(site, Validation.camera(item));
                    }
                    items.add(item);
                } catch (RuntimeException e) {
                    dead.add(deadLetters.send(r, reason(e)));
                }
            }
            return traced(records, join(dead).chain(() -> durable(kind, items.size(), () -> sink.apply(items))));
        });
    }

    /** Runs a batch's work under its process span, which ends when the work does (durable, or cancelled). */
    private Uni<Void> traced(List<ConsumerRecord<String, byte[]>> records, Uni<Void> work) {
        if (records.isEmpty()) {
            return work;
        }
        Span span = processSpan(records);
        return work.onTermination().invoke((item, failure, cancelled) -> {
            if (failure != null) {
                span.recordException(failure);
            }
            span.end();
        });
    }

    private Span processSpan(List<ConsumerRecord<String, byte[]>> records) {
        ConsumerRecord<String, byte[]> first = records.get(0);
        SpanBuilder b = otel.getTracer("org.vigil.events").spanBuilder(first.topic() + " process")
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.operation", "process")
                .setAttribute("messaging.destination.name", first.topic())
                .setAttribute("messaging.batch.message_count", (long) records.size());
        List<SpanContext> producers = new ArrayList<>(records.size());
        for (ConsumerRecord<String, byte[]> r : records) {
            producers.add(Span.fromContext(TraceHeaders.extract(otel, r.headers())).getSpanContext());
        }
        Origin origin = Origin.of(producers);
        if (origin.parent() != null) {
            b.setParent(Context.root().with(Span.wrap(origin.parent())));
        } else {
            b.setNoParent();
            origin.links().forEach(b::addLink);
        }
        return b.startSpan();
    }

    /**
     * Where a batch's process span comes from: the producer's span when every record carries a context of one trace,
     * otherwise links to the records' contexts (at most {@value #MAX_LINKS}; records without one add nothing).
     */
    record Origin(SpanContext parent, List<SpanContext> links) {

        static Origin of(List<SpanContext> producers) {
            List<SpanContext> valid = producers.stream().filter(SpanContext::isValid).toList();
            boolean oneTrace = !valid.isEmpty() && valid.size() == producers.size()
                    && valid.stream().map(SpanContext::getTraceId).distinct().count() == 1;
            return oneTrace ? new Origin(valid.get(0), List.of())
                    : new Origin(null, valid.subList(0, Math.min(valid.size(), MAX_LINKS)));
        }
    }

    /** Runs the write until it succeeds: a database outage pauses consumption instead of losing or skipping. */
    private Uni<Void> durable(String kind, int n, java.util.function.Supplier<Uni<? extends Void>> write) {
        if (n == 0) {
            return Uni.createFrom().voidItem();
        }
        io.micrometer.core.instrument.Timer latency = io.micrometer.core.instrument.Timer
                .builder("vigil_events_store_seconds").tag("kind", kind)
                .description("One batch write to PostgreSQL (an attempt that succeeded)")
                .publishPercentileHistogram().register(metrics);
        return Uni.createFrom().<Void>deferred(() -> {
            long started = System.nanoTime();
            return write.get().replaceWithVoid().invoke(() -> latency.record(System.nanoTime() - started,
                    java.util.concurrent.TimeUnit.NANOSECONDS));
        })
                .onFailure().invoke(e -> {
                    metrics.counter("vigil_events_store_failures_total", "kind", kind).increment();
                    long now = System.currentTimeMillis();
                    if (now - lastWarning > 10_000) {
                        lastWarning = now;
                        LOG.warnf("cannot store %d %s messages (%s); consumption waits and retries", n, kind,
                                e.getMessage());
                    }
                })
                .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5)).indefinitely()
                .invoke(() -> metrics.counter("vigil_events_stored_total", "kind", kind).increment(n));
    }

    private static List<ConsumerRecord<String, byte[]>> list(ConsumerRecords<String, byte[]> records) {
        List<ConsumerRecord<String, byte[]>> list = new ArrayList<>(records.count());
        records.forEach(list::add);
        return list;
    }

    /** Dead letters must reach Kafka before the batch is acknowledged: retried like the store. */
    private static Uni<Void> join(List<Uni<Void>> unis) {
        return unis.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(unis).andFailFast().replaceWithVoid()
                .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5)).indefinitely();
    }

    private static String reason(RuntimeException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        m = m.replace('\n', ' ');
        return m.length() > 300 ? m.substring(0, 300) + "…" : m;
    }

    /** The bytes as text for a log line, shortened. */
    static String preview(byte[] b) {
        String s = b == null ? "null" : new String(b, 0, Math.min(b.length, 80), StandardCharsets.UTF_8);
        return s.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
