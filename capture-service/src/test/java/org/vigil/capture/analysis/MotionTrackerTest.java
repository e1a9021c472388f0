package org.vigil.capture.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.vigil.contracts.Box;
import org.vigil.contracts.MotionEvent;

class MotionTrackerTest {

    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private static final MotionDetector.Result MOVING = new MotionDetector.Result(0.1, List.of(new Box(0.1, 0.1, 0.2, 0.2)), null);
    private final MotionTracker tracker = new MotionTracker("cam1", "hq",
            new MotionTracker.Settings(2, Duration.ofSeconds(1), Duration.ofSeconds(3)), () -> "e-1");

    private List<MotionEvent> feed(boolean[] moving, Duration step) {
        List<MotionEvent> events = new ArrayList<>();
        for (int i = 0; i < moving.length; i++) {
            Optional<MotionEvent> e = tracker.observe(T0.plus(step.multipliedBy(i)),
                    moving[i] ? MOVING : MotionDetector.Result.NONE);
            e.ifPresent(events::add);
        }
        return events;
    }

    @Test
    void oneMovingFrameDoesNotStartAnEvent() {
        assertThat(feed(new boolean[] {true, false, true, false, true, false}, Duration.ofMillis(200))).isEmpty();
    }

    @Test
    void startsAfterConsecutiveMotionAndEndsAfterTheQuietPeriod() {
        boolean[] moving = new boolean[40];
        for (int i = 0; i < 10; i++) {
            moving[i] = true;
        }
        List<MotionEvent> events = feed(moving, Duration.ofMillis(200));

        assertThat(events).extracting(MotionEvent::phase).containsExactly(MotionEvent.Phase.START,
                MotionEvent.Phase.UPDATE, MotionEvent.Phase.END);
        assertThat(events.get(0).at()).isEqualTo(T0.plusMillis(200));
        assertThat(events.get(2).at()).as("end is the last moving frame").isEqualTo(T0.plusMillis(1800));
        assertThat(events).extracting(MotionEvent::eventId).containsOnly("e-1");
        assertThat(events).extracting(MotionEvent::startedAt).containsOnly(T0.plusMillis(200));
    }

    @Test
    void briefPausesInsideTheQuietPeriodDoNotSplitTheEvent() {
        boolean[] moving = {true, true, false, false, false, true, true, false, false, true};
        List<MotionEvent> events = feed(moving, Duration.ofMillis(500));
        assertThat(events).extracting(MotionEvent::phase).doesNotContain(MotionEvent.Phase.END);
        assertThat(events.stream().filter(e -> e.phase() == MotionEvent.Phase.START)).hasSize(1);
    }

    @Test
    void closingEndsTheEventInProgress() {
        feed(new boolean[] {true, true}, Duration.ofMillis(200));
        assertThat(tracker.close()).map(MotionEvent::phase).contains(MotionEvent.Phase.END);
        assertThat(tracker.close()).isEmpty();
    }
}
