package org.vigil.capture.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

class CameraFreshnessTest {

    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");

    @Test
    void aCameraSilentForLongerThanTheLimitIsStale() {
        Map<String, Instant> last = Map.of("a", NOW.minusSeconds(5), "b", NOW.minusSeconds(31), "c",
                NOW.minusSeconds(30));
        assertThat(CameraFreshness.stale(last, NOW, Duration.ofSeconds(30))).containsExactly("b");
    }

    @Test
    void theInstanceIsUnreadyOnlyWhenEveryCameraItCapturesIsStale() {
        assertThat(CameraFreshness.ready(0, 0)).isTrue();
        assertThat(CameraFreshness.ready(3, 2)).isTrue();
        assertThat(CameraFreshness.ready(3, 3)).isFalse();
        assertThat(CameraFreshness.ready(1, 1)).isFalse();
    }
}
