package org.vigil.capture.analysis;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

import org.vigil.contracts.MotionEvent;

/**
 * Turns per-frame detections into motion events with hysteresis, so a flickering region does not flap:
 * <ul>
 * <li>an event starts after motion in {@link Settings#startFrames()} consecutive analysed frames;</li>
 * <li>while it lasts, an update is emitted at most every {@link Settings#updateEvery()};</li>
 * <li>it ends once there has been no motion for {@link Settings#quiet()}; its end time is the last moving frame.</li>
 * </ul>
 */
public final class MotionTracker {

    public record Settings(int startFrames, Duration updateEvery, Duration quiet) {
        public static final Settings DEFAULT = new Settings(2, Duration.ofSeconds(1), Duration.ofSeconds(3));
    }

    private final String cameraId;
    private final String site;
    private final Settings settings;
    private final Supplier<String> ids;
    private int consecutive;
    private String eventId;
    private Instant startedAt;
    private Instant lastMotion;
    private Instant lastUpdate;
    private double peak;

    public MotionTracker(String cameraId, String site, Settings settings) {
        this(cameraId, site, settings, () -> UUID.randomUUID().toString());
    }

    MotionTracker(String cameraId, String site, Settings settings, Supplier<String> ids) {
        this.cameraId = cameraId;
        this.site = site;
        this.settings = settings;
        this.ids = ids;
    }

    /** Feeds the detection of the frame observed at {@code at}; returns an event when one starts, updates or ends. */
    public Optional<MotionEvent> observe(Instant at, MotionDetector.Result r) {
        if (eventId == null) {
            consecutive = r.moving() ? consecutive + 1 : 0;
            if (consecutive < settings.startFrames()) {
                return Optional.empty();
            }
            eventId = ids.get();
            startedAt = at;
            lastMotion = at;
            lastUpdate = at;
            peak = r.score();
            return Optional.of(event(MotionEvent.Phase.START, at, r));
        }
        if (r.moving()) {
            lastMotion = at;
            peak = Math.max(peak, r.score());
            if (!at.isBefore(lastUpdate.plus(settings.updateEvery()))) {
                lastUpdate = at;
                return Optional.of(event(MotionEvent.Phase.UPDATE, at, r));
            }
            return Optional.empty();
        }
        if (!at.isBefore(lastMotion.plus(settings.quiet()))) {
            MotionEvent end = event(MotionEvent.Phase.END, lastMotion, MotionDetector.Result.NONE);
            eventId = null;
            consecutive = 0;
            return Optional.of(end);
        }
        return Optional.empty();
    }

    /** Ends an event in progress (camera lost or released); empty when there is none. */
    public Optional<MotionEvent> close() {
        if (eventId == null) {
            return Optional.empty();
        }
        MotionEvent end = event(MotionEvent.Phase.END, lastMotion, MotionDetector.Result.NONE);
        eventId = null;
        consecutive = 0;
        return Optional.of(end);
    }

    public boolean active() {
        return eventId != null;
    }

    /** The id of the event in progress, or {@code null}. */
    public String currentEventId() {
        return eventId;
    }

    private MotionEvent event(MotionEvent.Phase phase, Instant at, MotionDetector.Result r) {
        return new MotionEvent(MotionEvent.VERSION, eventId, cameraId, site, phase, startedAt, at, peak, r.boxes(), null);
    }
}
