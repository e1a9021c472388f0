package org.vigil.capture.analysis;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * When the detector looks next during one camera's motion (issue 23; design 0022): every {@code searching} interval
 * while nothing has been found in the motion event, so that an event is labelled within the first half second or so;
 * once it holds a detection, only every {@code confirming} interval. Each new motion event starts searching again. A
 * scene where people keep walking costs a quarter of the detector runs at the defaults (2/s, then 1 every 2 s).
 */
public final class DetectionCadence {

    private final Duration searching;
    private final Duration confirming;
    private Instant next = Instant.MIN;
    private String event;
    private boolean found;

    public DetectionCadence(Duration searching, Duration confirming) {
        if (searching.isNegative() || confirming.isNegative()) {
            throw new IllegalArgumentException("detector intervals must not be negative");
        }
        this.searching = searching;
        this.confirming = confirming;
    }

    /** True when the detector should look at {@code now} in the motion event {@code eventId}. */
    public boolean due(Instant now, String eventId) {
        if (!Objects.equals(eventId, event)) {
            event = eventId;
            found = false;
            next = Instant.MIN;
        }
        return !now.isBefore(next);
    }

    /** The detector looked at {@code now}; {@code foundSomething} when it reported at least one object. */
    public void looked(Instant now, boolean foundSomething) {
        found |= foundSomething;
        next = now.plus(found ? confirming : searching);
    }
}
