package org.vigil.events.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import org.junit.jupiter.api.Test;

class OriginTest {

    private static SpanContext span(String trace, int span) {
        return SpanContext.createFromRemoteParent(trace.repeat(32 / trace.length()), String.format("%016x", span),
                TraceFlags.getSampled(), TraceState.getDefault());
    }

    @Test
    void aBatchOfOneTraceContinuesItsFirstProducerSpan() {
        IngestConsumers.Origin o = IngestConsumers.Origin.of(List.of(span("a", 1), span("a", 2)));
        assertThat(o.parent()).isEqualTo(span("a", 1));
        assertThat(o.links()).isEmpty();
    }

    @Test
    void aBatchOfSeveralTracesLinksToEachRecord() {
        IngestConsumers.Origin o = IngestConsumers.Origin.of(List.of(span("a", 1), span("b", 2)));
        assertThat(o.parent()).isNull();
        assertThat(o.links()).containsExactly(span("a", 1), span("b", 2));
    }

    @Test
    void aRecordWithoutContextMakesTheBatchARootThatLinksTheOthers() {
        IngestConsumers.Origin o = IngestConsumers.Origin.of(List.of(span("a", 1), SpanContext.getInvalid()));
        assertThat(o.parent()).isNull();
        assertThat(o.links()).containsExactly(span("a", 1));
        assertThat(IngestConsumers.Origin.of(List.of(SpanContext.getInvalid())).links()).isEmpty();
    }

    @Test
    void linksAreCappedForBigBatches() {
        List<SpanContext> many = new ArrayList<>();
        for (int i = 1; i <= 500; i++) {
            many.add(span(String.format("%08x", i), i));
        }
        IngestConsumers.Origin o = IngestConsumers.Origin.of(many);
        assertThat(o.parent()).isNull();
        assertThat(o.links()).hasSize(128).startsWith(span(String.format("%08x", 1), 1));
    }
}
