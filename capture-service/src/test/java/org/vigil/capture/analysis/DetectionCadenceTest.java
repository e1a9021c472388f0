package org.vigil.capture.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class DetectionCadenceTest {

    private static final Instant T = Instant.parse("2026-12-06T12:00:00Z");

    private static Instant at(long ms) {
        return T.plusMillis(ms);
    }

    @Test
    void searchesAtTheDetectorRateUntilSomethingIsFoundThenOnlyConfirms() {
        DetectionCadence c = new DetectionCadence(Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(2));
        assertThat(c.due(at(0), "e1")).isTrue();
        c.looked(at(0), false);
        assertThat(c.confirming()).isFalse();
        assertThat(c.due(at(499), "e1")).as("nothing found: the next look after 500 ms").isFalse();
        assertThat(c.due(at(500), "e1")).isTrue();
        c.looked(at(500), true);
        assertThat(c.confirming()).isTrue();
        assertThat(c.due(at(1000), "e1")).as("found: no look at the searching rate").isFalse();
        assertThat(c.due(at(2499), "e1")).isFalse();
        assertThat(c.due(at(2500), "e1")).isTrue();
        c.looked(at(2500), false);
        assertThat(c.due(at(3000), "e1")).as("the event keeps its label: still confirming").isFalse();
        assertThat(c.due(at(4500), "e1")).isTrue();
    }

    @Test
    void eachFruitlessLookDoublesTheWaitUpToTheConfirmingInterval() {
        DetectionCadence c = new DetectionCadence(Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(2));
        long t = 0;
        long[] waits = {500, 1000, 2000, 2000, 2000};
        for (long wait : waits) {
            assertThat(c.due(at(t), "e1")).isTrue();
            c.looked(at(t), false);
            assertThat(c.due(at(t + wait - 1), "e1")).as("after a look at %d ms, not before %d ms", t, wait).isFalse();
            t += wait;
        }
        assertThat(c.due(at(t), "e2")).as("a new event searches at once").isTrue();
        c.looked(at(t), false);
        assertThat(c.due(at(t + 500), "e2")).as("and at the searching rate again").isTrue();
    }

    @Test
    void aSearchingIntervalLongerThanTheConfirmingOneIsKept() {
        DetectionCadence c = new DetectionCadence(Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofSeconds(2));
        c.due(at(0), "e1");
        c.looked(at(0), false);
        c.looked(at(5000), false);
        assertThat(c.due(at(9999), "e1")).isFalse();
        assertThat(c.due(at(10000), "e1")).isTrue();
    }

    @Test
    void aNewMotionEventSearchesAtOnce() {
        DetectionCadence c = new DetectionCadence(Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(2));
        c.due(at(0), "e1");
        c.looked(at(0), true);
        assertThat(c.due(at(100), "e1")).isFalse();
        assertThat(c.due(at(100), "e2")).as("another event: nothing found in it yet").isTrue();
        assertThat(c.confirming()).isFalse();
        c.looked(at(100), false);
        assertThat(c.due(at(600), "e2")).isTrue();
    }

    @Test
    void negativeIntervalsAreRefused() {
        assertThatThrownBy(() -> new DetectionCadence(Duration.ofMillis(-1), Duration.ZERO, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DetectionCadence(Duration.ZERO, Duration.ofMillis(-1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theSearchBacksOffToItsOwnLimitAndAFoundObjectIsFollowedAtTheConfirmingInterval() {
        DetectionCadence c = new DetectionCadence(Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(5));
        long t = 0;
        for (long wait : new long[] {500, 1000, 2000, 2000}) {
            assertThat(c.due(at(t), "e1")).isTrue();
            c.looked(at(t), false);
            assertThat(c.due(at(t + wait - 1), "e1")).as("searching: after a look at %d ms, not before %d ms", t, wait)
                    .isFalse();
            t += wait;
        }
        assertThat(c.due(at(t), "e1")).isTrue();
        c.looked(at(t), true);
        assertThat(c.due(at(t + 4999), "e1")).as("found: the next look at the confirming interval, not the search's")
                .isFalse();
        assertThat(c.due(at(t + 5000), "e1")).isTrue();
    }
}
