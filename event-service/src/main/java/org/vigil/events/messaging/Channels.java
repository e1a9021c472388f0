package org.vigil.events.messaging;

/** Reactive messaging channel names; each is bound to its topic in application.properties. */
public final class Channels {

    public static final String MOTION = "motion";
    /**
     * Every other topic the service stores (detections, snapshots, camera statuses, closed segments, audit entries,
     * nodes' heartbeats): a few records a minute per camera or node, read by one consumer (design 0031).
     */
    public static final String LOW_RATE = "low-rate";
    public static final String DEAD_LETTERS = "dead-letters";

    private Channels() {
    }
}
