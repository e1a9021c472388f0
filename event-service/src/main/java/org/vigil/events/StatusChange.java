package org.vigil.events;

import java.time.Instant;

/** A camera's state from {@code at} on: {@code online}, {@code offline} or {@code no_signal}. */
public record StatusChange(String cameraId, String site, Instant at, String state, double fps, int width, int height,
        String codec, String lastError, String instance) {
}
