package org.vigil.events.service;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.CameraStatus;
import org.vigil.contracts.Detections;
import org.vigil.contracts.LiveUpdate;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.SegmentClosed;
import org.vigil.events.repository.IngestWriter;

/**
 * Makes each batch of facts durable, then tells the live clients. The returned {@link Uni} of a write completes only
 * after the transaction is committed; the fan-out follows and never fails the batch (the fact is in PostgreSQL, and
 * clients get it in their next snapshot).
 */
@ApplicationScoped
public class EventIngest {

    private final IngestWriter writer;
    private final LiveFanout fanout;

    public EventIngest(IngestWriter writer, LiveFanout fanout) {
        this.writer = writer;
        this.fanout = fanout;
    }

    public Uni<Void> motion(List<MotionEvent> events) {
        return writer.motion(events).chain(() -> fanout.publish(events.stream().map(LiveUpdate::of).toList()));
    }

    public Uni<Void> statuses(List<CameraStatus> statuses) {
        return writer.statuses(statuses).chain(() -> fanout.publish(statuses.stream().map(LiveUpdate::of).toList()));
    }

    public Uni<Void> segments(List<SegmentClosed> segments) {
        return writer.segments(segments).chain(() -> fanout.publish(segments.stream().map(LiveUpdate::of).toList()));
    }

    public Uni<Void> detections(List<Detections> detections) {
        return writer.detections(detections);
    }

    public Uni<Void> snapshots(Map<UUID, byte[]> jpegs) {
        return writer.snapshots(jpegs);
    }

    public Uni<Void> audit(List<AuditEntry> entries) {
        return writer.audit(entries);
    }
}
