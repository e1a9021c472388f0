package org.vigil.events;

import java.time.Instant;

/** A run of a camera's recording without a gap: its first and last moment, how many segments and bytes it holds. */
public record RecordingSpan(Instant start, Instant end, long segments, long bytes) {
}
