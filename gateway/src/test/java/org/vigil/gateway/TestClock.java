package org.vigil.gateway;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;

/**
 * The gateway's clock in tests: the system clock plus an offset that a test may move forward, so that session idle
 * and absolute expiry are tested without waiting. Every test that moves it puts it back.
 */
@Alternative
@Priority(1)
@Singleton
public class TestClock implements InstantSource {

    private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

    @Override
    public Instant instant() {
        return Instant.now().plus(offset.get());
    }

    public void advance(Duration d) {
        offset.updateAndGet(o -> o.plus(d));
    }

    public void reset() {
        offset.set(Duration.ZERO);
    }
}
