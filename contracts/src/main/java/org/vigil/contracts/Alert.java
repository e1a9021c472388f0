package org.vigil.contracts;

import java.time.Instant;
import java.util.Map;

/**
 * A condition an operator must see (the dashboard's System Status), raised and later cleared by the service that
 * detected it. Keyed in {@link Topics#ALERTS} by {@code <source>/<kind>}, so a raise and its clear share a partition.
 *
 * @param id      unique id (UUID) of this message
 * @param kind    what is wrong, e.g. {@link #LOW_DISK} or {@link #STORAGE_ERROR}
 * @param state   {@link State#RAISED} or {@link State#CLEARED}
 * @param source  the instance that saw it, e.g. {@code recorder-service@host}
 * @param site    the site concerned, or {@code null} when it is not site-specific (a recorder's disk)
 * @param message one readable sentence
 * @param details small string facts, e.g. free and floor bytes
 */
public record Alert(
        int v,
        String id,
        String kind,
        State state,
        String source,
        String site,
        String message,
        Instant at,
        Map<String, String> details) {

    public static final int VERSION = 1;
    /** Free space on the recordings volume fell below the floor: recording is paused. */
    public static final String LOW_DISK = "low_disk";
    /** The recordings volume refused a write (full, read-only, gone): recording is paused. */
    public static final String STORAGE_ERROR = "storage_error";
    /**
     * Free space on the recordings volume is below retention's threshold and nothing more may be deleted: what is
     * left is under legal hold or within its retention period. Recorders pause at their floor rather than delete it.
     */
    public static final String DISK_FULL_OF_KEPT = "disk_full_of_kept";

    /** Whether the condition started or ended. */
    public enum State {
        RAISED, CLEARED;

        /** The wire name: {@code raised} or {@code cleared}. */
        @com.fasterxml.jackson.annotation.JsonValue
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        @com.fasterxml.jackson.annotation.JsonCreator
        public static State fromWire(String s) {
            return valueOf(s.toUpperCase(java.util.Locale.ROOT));
        }
    }

    public Alert {
        details = details == null ? Map.of() : Map.copyOf(details);
    }

    /** The record key: raise and clear of one condition go to the same partition, in order. */
    public String key() {
        return source + "/" + kind;
    }
}
