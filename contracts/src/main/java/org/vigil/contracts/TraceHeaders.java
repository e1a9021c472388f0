package org.vigil.contracts;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * How a trace crosses Kafka: W3C trace context ({@value #TRACEPARENT}, optionally {@value #TRACESTATE}) as record
 * headers, UTF-8 text, exactly as in HTTP. Every Vigil producer of motion, detections, segments, camera status and
 * audit records adds it; consumers continue the trace from it. Records without it (an integrator's producer) are
 * valid: they start a new trace.
 */
public final class TraceHeaders {

    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";

    /** Writes a propagator's fields as headers, replacing any earlier value of the same name. */
    public static final TextMapSetter<Headers> SETTER = (headers, key, value) -> {
        if (headers != null) {
            headers.remove(key);
            headers.add(key, value.getBytes(StandardCharsets.UTF_8));
        }
    };

    /** Reads the last header of a name, as a propagator expects. */
    public static final TextMapGetter<Headers> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            List<String> keys = new ArrayList<>();
            for (Header h : headers) {
                keys.add(h.key());
            }
            return keys;
        }

        @Override
        public String get(Headers headers, String key) {
            if (headers == null) {
                return null;
            }
            Header h = headers.lastHeader(key);
            return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
        }
    };

    /**
     * Starts the producer span of one record, as a child of {@code parent} (the caller's current context: an HTTP
     * request, a motion event; a new trace when it holds no span), and writes its context into the record's
     * headers. The caller ends the span when Kafka answers.
     */
    public static Span startPublish(OpenTelemetry otel, String instrumentation, Context parent,
            ProducerRecord<String, ?> r) {
        Span span = otel.getTracer(instrumentation).spanBuilder(r.topic() + " publish")
                .setParent(parent)
                .setSpanKind(SpanKind.PRODUCER)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.operation", "publish")
                .setAttribute("messaging.destination.name", r.topic())
                .setAttribute("messaging.kafka.message.key", r.key() == null ? "" : r.key())
                .startSpan();
        otel.getPropagators().getTextMapPropagator().inject(parent.with(span), r.headers(), SETTER);
        return span;
    }

    /** The trace context a record carries; {@link Context#root()} when it carries none. */
    public static Context extract(OpenTelemetry otel, Headers headers) {
        return otel.getPropagators().getTextMapPropagator().extract(Context.root(), headers, GETTER);
    }

    private TraceHeaders() {
    }
}
