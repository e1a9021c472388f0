package org.vigil.contracts;

/**
 * A change pushed to operators' browsers as it happens. The event service publishes it to Redis on
 * {@link #channel(String)} once the change is durable in PostgreSQL; every gateway relays it unchanged, as a
 * WebSocket text message, to the clients allowed to see {@code site}. Exactly one of the payload fields is set,
 * the one {@code type} names.
 *
 * @param type    {@code motion}, {@code status} or {@code segment}
 */
public record LiveUpdate(int v, String type, String site, MotionEvent motion, CameraStatus status,
        SegmentClosed segment) {

    public static final int VERSION = 1;
    /**
     * Redis channel prefix; gateways subscribe to the pattern {@code CHANNEL_PREFIX + "*"}. A message on a channel is a
     * JSON array of updates of that site (a single JSON object is accepted too).
     */
    public static final String CHANNEL_PREFIX = "vigil:live:";

    public static String channel(String site) {
        return CHANNEL_PREFIX + site;
    }

    public static LiveUpdate of(MotionEvent e) {
        return new LiveUpdate(VERSION, "motion", e.site(), e, null, null);
    }

    public static LiveUpdate of(CameraStatus s) {
        return new LiveUpdate(VERSION, "status", s.site(), null, s, null);
    }

    public static LiveUpdate of(SegmentClosed g) {
        return new LiveUpdate(VERSION, "segment", g.site(), null, null, g);
    }
}
