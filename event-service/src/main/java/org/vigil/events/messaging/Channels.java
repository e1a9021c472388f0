package org.vigil.events.messaging;

/** Reactive messaging channel names; each is bound to its topic in application.properties. */
public final class Channels {

    /** Every topic the event store reads, through one consumer (design 0021). */
    public static final String INGEST = "ingest";
    public static final String DEAD_LETTERS = "dead-letters";

    private Channels() {
    }
}
