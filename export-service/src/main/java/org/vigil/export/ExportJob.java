package org.vigil.export;

import java.time.Instant;
import java.util.List;

/** An export job as stored and as the API shows it. */
public record ExportJob(String id, String state, List<String> cameras, List<String> sites, Instant from, Instant to,
        String reason, String caseId, boolean includeMp4, String requestedBy, Instant createdAt, Instant startedAt, Instant finishedAt,
        int attempts, boolean cancelRequested, long bytesTotal, long bytesDone, String error, Long size,
        String sha256) {

    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String DONE = "done";
    public static final String FAILED = "failed";
    public static final String CANCELLED = "cancelled";

    /** Progress in percent of the bytes to copy (100 once done). */
    public int percent() {
        if (DONE.equals(state)) {
            return 100;
        }
        return bytesTotal <= 0 ? 0 : (int) Math.min(99, bytesDone * 100 / bytesTotal);
    }
}
