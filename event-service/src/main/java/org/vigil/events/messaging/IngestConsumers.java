package org.vigil.events.messaging;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.vigil.contracts.CameraStatus;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.SegmentClosed;
import org.vigil.events.service.EventIngest;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;

/** Kafka edges of the event store: each translates and delegates to {@link EventIngest}. */
@ApplicationScoped
public class IngestConsumers {

    private final EventIngest ingest;

    public IngestConsumers(EventIngest ingest) {
        this.ingest = ingest;
    }

    @Incoming(Channels.MOTION)
    public Uni<Void> onMotion(MotionEvent e) {
        return ingest.motion(e);
    }

    @Incoming(Channels.STATUS)
    public Uni<Void> onStatus(CameraStatus s) {
        return ingest.status(s);
    }

    @Incoming(Channels.SEGMENTS)
    public Uni<Void> onSegment(SegmentClosed g) {
        return ingest.segment(g);
    }

    @Incoming(Channels.SNAPSHOTS)
    public Uni<Void> onSnapshot(Record<String, byte[]> r) {
        return ingest.snapshot(r.key(), r.value());
    }
}
