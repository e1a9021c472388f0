package org.vigil.recorder.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** Packets under a stream of unknown camera ids may not stall the recorder: a few holds a minute, then drops. */
class HoldBudgetTest {

    static final long S = 1_000_000_000L;

    @Test
    void atMostFiveHoldsBeginInAnyMinute() {
        RecordingService.HoldBudget b = new RecordingService.HoldBudget(5, Duration.ofMinutes(1));
        long t = 123 * S; // any origin: System.nanoTime's is arbitrary
        for (int i = 0; i < 5; i++) {
            assertThat(b.tryBegin(t + i * S)).as("hold %d", i).isTrue();
        }
        assertThat(b.tryBegin(t + 10 * S)).as("a sixth within the minute").isFalse();
        assertThat(b.tryBegin(t + 59 * S)).isFalse();
        // the first one is a minute old: one more may begin, not two
        assertThat(b.tryBegin(t + 60 * S)).isTrue();
        assertThat(b.tryBegin(t + 60 * S + 1)).isFalse();
        assertThat(b.tryBegin(t + 200 * S)).isTrue();
    }
}
