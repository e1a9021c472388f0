package org.vigil.devstack.testing;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;

/**
 * Every span a service ends, kept in memory for its tracing tests. A test declares a {@code @Singleton} subclass: the
 * tracer provider adds span processors that are CDI beans.
 */
public class RecordedSpans implements SpanProcessor {

    private final List<SpanData> ended = new CopyOnWriteArrayList<>();

    @Override
    public void onStart(Context parent, ReadWriteSpan span) {
    }

    @Override
    public boolean isStartRequired() {
        return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
        ended.add(span.toSpanData());
    }

    @Override
    public boolean isEndRequired() {
        return true;
    }

    public List<SpanData> ended() {
        return List.copyOf(ended);
    }

    /** The first ended span that matches, waiting up to {@code timeout}. */
    public SpanData await(Predicate<SpanData> match, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (SpanData s : ended) {
                if (match.test(s)) {
                    return s;
                }
            }
            Thread.sleep(100);
        }
        List<SpanData> all = ended();
        throw new AssertionError("no span " + what + " within " + timeout.toSeconds() + " s; the last ended: "
                + all.subList(Math.max(0, all.size() - 40), all.size()).stream()
                        .map(s -> s.getName() + " " + s.getKind() + " " + s.getTraceId() + "/" + s.getParentSpanId())
                        .toList());
    }
}
