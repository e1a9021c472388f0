package org.vigil.recorder.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LagBoundTest {

    @Test
    void writingRecorderMustStayWithinTheLimit() {
        assertThat(RecorderReadiness.lagBounded(true, 0, 0.5, 120)).isTrue();
        assertThat(RecorderReadiness.lagBounded(true, 119.9, 0.5, 120)).isTrue();
        assertThat(RecorderReadiness.lagBounded(true, 120.1, 0.5, 120)).isFalse();
    }

    @Test
    void pausedRecorderMayFallBehindButMustKeepPolling() {
        assertThat(RecorderReadiness.lagBounded(false, 3600, 0.5, 120)).isTrue();
        assertThat(RecorderReadiness.lagBounded(false, 0, 121, 120)).isFalse();
        assertThat(RecorderReadiness.lagBounded(true, 0, 121, 120)).isFalse();
    }
}
