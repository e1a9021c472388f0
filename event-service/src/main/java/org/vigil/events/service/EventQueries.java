package org.vigil.events.service;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

import org.vigil.events.IndexedSegment;
import org.vigil.events.StoredMotionEvent;
import org.vigil.events.repository.EventRepository;
import org.vigil.events.repository.SegmentEntity;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Read side of the event store, in domain terms. Access checks stay with the caller (the REST edge). */
@ApplicationScoped
public class EventQueries {

    private final EventRepository repository;

    public EventQueries(EventRepository repository) {
        this.repository = repository;
    }

    public Uni<List<StoredMotionEvent>> latestMotion(Collection<String> sites, boolean allSites, int limit) {
        return repository.latestMotion(sites, allSites, limit);
    }

    public Uni<StoredMotionEvent> motion(UUID id) {
        return repository.motion(id);
    }

    public Uni<byte[]> snapshot(UUID id) {
        return repository.snapshot(id);
    }

    public Uni<List<IndexedSegment>> segments(String cameraId, Instant from, Instant to, int limit) {
        return repository.segments(cameraId, from, to, limit)
                .map(rows -> rows.stream().map(EventQueries::segment).toList());
    }

    private static IndexedSegment segment(SegmentEntity s) {
        return new IndexedSegment(s.segmentId, s.cameraId, s.site, s.root, s.path, s.startedAt, s.endedAt, s.frames,
                s.bytes, s.sha256, s.codec, s.width, s.height);
    }
}
