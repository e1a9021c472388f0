package org.vigil.runtime.db;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * How pruning (retention of recordings, event-service's of its own tables) leaves room for ingest: after each batch of
 * work, a pause proportional to the batch.
 */
public final class IngestPacing {

    /** The pause after a batch, as a multiple of the time the batch took. */
    private static final int PAUSE_FACTOR = 2;
    /** The longest pause after a batch. */
    private static final Duration MAX_PAUSE = Duration.ofSeconds(1);

    private IngestPacing() {
    }


    /**
     * Pauses twice as long as the batch begun at {@code startNanos} took (at most {@link #MAX_PAUSE}), like
     * PostgreSQL's autovacuum cost delay: retention works at most a third of the time, and the disk and the database
     * serve ingest between its bursts. (Measured: a run of 1,000,000 events and 10,000 files still takes seconds.)
     */
    public static void yieldAfter(long startNanos) {
        long pause = Math.min(PAUSE_FACTOR * (System.nanoTime() - startNanos), MAX_PAUSE.toNanos());
        LockSupport.parkNanos(pause);
    }
}
