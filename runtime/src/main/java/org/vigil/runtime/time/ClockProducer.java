package org.vigil.runtime.time;

import java.time.InstantSource;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The wall clock, for every service: logic asks for an injected {@link InstantSource} instead of calling
 * {@code Instant.now()}, so that a test can hand it a fixed or stepping clock.
 */
public class ClockProducer {

    @Produces
    @Singleton
    InstantSource clock() {
        return InstantSource.system();
    }
}
