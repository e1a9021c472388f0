package org.vigil.contracts;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * One step in the life of a motion event. An event has exactly one {@link Phase#START}, any number of
 * {@link Phase#UPDATE}s and one {@link Phase#END}; all share {@code eventId} and {@code startedAt}.
 *
 * @param eventId   stable id of the event (UUID), the same in every phase
 * @param startedAt when motion started (wall clock of the capture host)
 * @param at        when this phase was observed; for {@link Phase#END} the end of motion
 * @param score     peak share of the analysed area in motion so far, 0..1
 * @param boxes     moving regions in this observation
 * @param zone      the zone that triggered, or {@code null} for the whole frame
 */
public record MotionEvent(
        int v,
        String eventId,
        String cameraId,
        String site,
        Phase phase,
        Instant startedAt,
        Instant at,
        double score,
        List<Box> boxes,
        String zone) {

    public static final int VERSION = 1;

    public MotionEvent {
        boxes = boxes == null ? List.of() : List.copyOf(boxes);
    }

    public enum Phase {
        START, UPDATE, END;

        @JsonValue
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static Phase fromWire(String s) {
            return valueOf(s.toUpperCase(Locale.ROOT));
        }
    }
}
