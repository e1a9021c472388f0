package org.vigil.events.messaging;

/** Reactive messaging channel names; each is bound to its topic in application.properties. */
public final class Channels {

    public static final String MOTION = "motion";
    public static final String STATUS = "camera-status";
    public static final String SEGMENTS = "segments";
    public static final String SNAPSHOTS = "snapshots";
    public static final String DETECTIONS = "detections";
    public static final String AUDIT = "audit";
    public static final String HEARTBEATS = "node-heartbeats";
    public static final String DEAD_LETTERS = "dead-letters";

    private Channels() {
    }
}
