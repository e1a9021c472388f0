package org.vigil.events;

import java.time.Instant;

/** A moment of a camera an operator marked with a note (design 0020 §2). */
public record Bookmark(String bookmarkId, String cameraId, String site, Instant at, String note, String createdBy,
        Instant createdAt) {
}
