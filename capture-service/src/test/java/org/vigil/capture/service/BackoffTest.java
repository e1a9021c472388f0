package org.vigil.capture.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void doublesFromHalfASecondUpToTheCap() {
        Backoff top = new Backoff(Duration.ofSeconds(5), () -> 1.0);
        assertThat(top.delay(1)).isEqualTo(Duration.ofMillis(500));
        assertThat(top.delay(2)).isEqualTo(Duration.ofMillis(1000));
        assertThat(top.delay(4)).isEqualTo(Duration.ofMillis(4000));
        assertThat(top.delay(5)).isEqualTo(Duration.ofSeconds(5));
        assertThat(top.delay(1000)).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void jitterSpreadsOverTheUpperHalfAndNeverExceedsTheCap() {
        Backoff low = new Backoff(Duration.ofSeconds(5), () -> 0.0);
        assertThat(low.delay(10)).isEqualTo(Duration.ofMillis(2500));
        Backoff high = new Backoff(Duration.ofSeconds(5), () -> 0.999);
        assertThat(high.delay(10)).isLessThanOrEqualTo(Duration.ofSeconds(5));
    }
}
