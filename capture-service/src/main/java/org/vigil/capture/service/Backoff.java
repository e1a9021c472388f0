package org.vigil.capture.service;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Wait before reconnecting a camera: doubles from {@link #FIRST} with each failure in a row, capped at
 * RTSP_RECONNECT_SEC, and spread over the upper half of that ("equal jitter"), so many cameras that fail together
 * (a switch rebooting) do not reconnect in lock-step, and none waits longer than RTSP_RECONNECT_SEC.
 */
final class Backoff {

    static final Duration FIRST = Duration.ofMillis(500);

    private final Duration cap;
    private final DoubleSupplier random;

    Backoff(Duration cap, DoubleSupplier random) {
        this.cap = cap.compareTo(FIRST) < 0 ? FIRST : cap;
        this.random = random;
    }

    /** The wait after the {@code failures}-th failure in a row (1 for the first). */
    Duration delay(int failures) {
        long ceiling = Math.min(cap.toMillis(), FIRST.toMillis() << Math.min(Math.max(0, failures - 1), 20));
        return Duration.ofMillis((long) (ceiling * (0.5 + 0.5 * random.getAsDouble())));
    }
}
