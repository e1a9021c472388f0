package org.vigil.capture.analysis;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * When the detector looks next during one camera's motion (issue 23; designs 0022, 0026 and 0028): at first every
 * {@code searching} interval, so that an event is labelled within the first half second or so; after each look that
 * finds nothing the wait doubles, up to {@code longestSearch} (0.5, 1, 2 s at the defaults), since motion the detector
 * keeps finding nothing in (leaves, shadows, a car for the people detector) is most of what it looks at; once the event
 * holds a detection, every {@code confirming} interval (5 s): the label is known, and later looks only follow it. Each
 * new motion event starts searching again. What it costs: a person who walks into a motion event that has gone on for
 * a few seconds without one is labelled up to {@code longestSearch} later, rather than {@code searching}.
 */
public final class DetectionCadence {

    private final Duration searching;
    private final Duration longestSearch;
    private final Duration confirming;
    private Instant next = Instant.MIN;
    private String event;
    private boolean found;
    private int misses;

    /** A {@code longestSearch} shorter than {@code searching} means no back-off: every look {@code searching} apart. */
    public DetectionCadence(Duration searching, Duration longestSearch, Duration confirming) {
        if (searching.isNegative() || longestSearch.isNegative() || confirming.isNegative()) {
            throw new IllegalArgumentException("detector intervals must not be negative");
        }
        this.searching = searching;
        this.longestSearch = longestSearch.compareTo(searching) < 0 ? searching : longestSearch;
        this.confirming = confirming;
    }

    /** True when the detector should look at {@code now} in the motion event {@code eventId}. */
    public boolean due(Instant now, String eventId) {
        if (!Objects.equals(eventId, event)) {
            event = eventId;
            found = false;
            misses = 0;
            next = Instant.MIN;
        }
        return !now.isBefore(next);
    }

    /** True once the current motion event holds a detection: the next look only follows what was found. */
    public boolean confirming() {
        return found;
    }

    /** The detector looked at {@code now}; {@code foundSomething} when it reported at least one object. */
    public void looked(Instant now, boolean foundSomething) {
        found |= foundSomething;
        if (found) {
            next = now.plus(confirming);
            return;
        }
        misses = Math.min(misses + 1, 16);
        Duration wait = searching.multipliedBy(1L << (misses - 1));
        next = now.plus(wait.compareTo(longestSearch) > 0 ? longestSearch : wait);
    }
}
