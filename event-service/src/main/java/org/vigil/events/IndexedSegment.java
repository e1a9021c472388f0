package org.vigil.events;

import java.time.Instant;

/** A recording segment in the index: where its file is and what it covers. */
public record IndexedSegment(String segmentId, String cameraId, String site, String root, String path,
        Instant startedAt, Instant endedAt, long frames, long bytes, String sha256, String codec, int width,
        int height) {
}
