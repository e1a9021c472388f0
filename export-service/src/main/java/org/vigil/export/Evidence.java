package org.vigil.export;

import java.time.Instant;

/** What an export gathers from the event store. */
public final class Evidence {

    private Evidence() {
    }

    /** An indexed recording: {@code root}/{@code path} on the recordings volume. */
    public record Segment(String segmentId, String cameraId, String site, String root, String path, Instant startedAt,
            Instant endedAt, long frames, long bytes, String sha256) {
    }

    /** An operator's bookmark, as bookmarks.json carries it. */
    public record Bookmark(String bookmarkId, String cameraId, String site, Instant at, String note, String createdBy,
            Instant createdAt) {
    }

    /** A motion event, as events.json/csv carry it. */
    public record Event(String eventId, String cameraId, String site, Instant startedAt, Instant endedAt, double score,
            String zone, java.util.List<String> labels) {
    }
}
