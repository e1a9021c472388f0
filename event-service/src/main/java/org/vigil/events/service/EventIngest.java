package org.vigil.events.service;

import java.util.UUID;

import org.jboss.logging.Logger;
import org.vigil.contracts.CameraStatus;
import org.vigil.contracts.LiveUpdate;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.SegmentClosed;
import org.vigil.events.repository.EventRepository;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Makes each incoming fact durable, then tells the live clients. The returned {@link Uni} completes only after
 * the row is committed, and the Kafka offset is committed only after that: a crash replays the message, and the
 * idempotent write absorbs the replay.
 */
@ApplicationScoped
public class EventIngest {

    private static final Logger LOG = Logger.getLogger(EventIngest.class);

    private final EventRepository repository;
    private final LiveFanout fanout;

    public EventIngest(EventRepository repository, LiveFanout fanout) {
        this.repository = repository;
        this.fanout = fanout;
    }

    public Uni<Void> motion(MotionEvent e) {
        return repository.upsertMotion(e).chain(() -> fanout.publish(LiveUpdate.of(e)));
    }

    public Uni<Void> status(CameraStatus s) {
        return repository.insertStatus(s).chain(() -> fanout.publish(LiveUpdate.of(s)));
    }

    public Uni<Void> segment(SegmentClosed g) {
        return repository.insertSegment(g).chain(() -> fanout.publish(LiveUpdate.of(g)));
    }

    /** Stores a motion snapshot; a key that is not an event id, or bytes that are not a JPEG, are dropped. */
    public Uni<Void> snapshot(String eventId, byte[] jpeg) {
        UUID id;
        try {
            id = UUID.fromString(eventId);
        } catch (RuntimeException e) {
            LOG.warnf("dropping a snapshot whose key is not an event id: %s", eventId);
            return Uni.createFrom().voidItem();
        }
        if (jpeg == null || jpeg.length < 4 || (jpeg[0] & 0xff) != 0xFF || (jpeg[1] & 0xff) != 0xD8) {
            LOG.warnf("dropping snapshot %s: not a JPEG", eventId);
            return Uni.createFrom().voidItem();
        }
        return repository.insertSnapshot(id, jpeg).replaceWithVoid();
    }
}
