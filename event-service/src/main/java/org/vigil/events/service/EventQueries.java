package org.vigil.events.service;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.events.EventPage;
import org.vigil.events.IndexedSegment;
import org.vigil.events.RecordingSpan;
import org.vigil.events.ReviewState;
import org.vigil.events.StatusChange;
import org.vigil.events.StoredMotionEvent;
import org.vigil.events.messaging.CameraSites;
import org.vigil.events.repository.EventRepository;
import org.vigil.events.repository.SegmentEntity;

/** Read side of the event store, in domain terms. Access checks stay with the caller (the REST edge). */
@ApplicationScoped
public class EventQueries {

    private final EventRepository repository;
    private final CameraSites cameras;

    public EventQueries(EventRepository repository, CameraSites cameras) {
        this.repository = repository;
        this.cameras = cameras;
    }

    /**
     * A page of events, newest first.
     *
     * @param sites    the sites to search, or {@code null} for every site
     * @param reviewed which review state to keep ({@code null}: all)
     * @param reviewer the user asking: the events say whether they marked each reviewed
     * @param cursor   the {@code next} of the previous page, or {@code null} for the first
     */
    public Uni<EventPage> events(Collection<String> sites, String camera, String label, String zone,
            ReviewState reviewed, String reviewer, Instant from, Instant to, Cursor cursor, int limit) {
        return repository.search(new EventRepository.Search(sites, camera, label, zone, reviewed, reviewer, from, to,
                cursor == null ? null : cursor.startedAt(), cursor == null ? null : cursor.eventId(), limit + 1))
                .map(rows -> {
                    List<StoredMotionEvent> page = rows.size() > limit ? rows.subList(0, limit) : rows;
                    String next = rows.size() > limit ? Cursor.of(page.get(page.size() - 1)).encode() : null;
                    return new EventPage(List.copyOf(page), next);
                });
    }

    /** A camera's recordings as spans without gaps longer than {@code gap}, oldest first (design 0020 §3). */
    public Uni<List<RecordingSpan>> spans(String camera, Instant from, Instant to, java.time.Duration gap,
            Collection<String> sites, int limit) {
        return repository.spans(camera, from, to, gap, sites, limit);
    }

    public Uni<StoredMotionEvent> motion(UUID id, String reviewer) {
        return repository.motion(id, reviewer);
    }

    public Uni<byte[]> snapshot(UUID id) {
        return repository.snapshot(id);
    }

    public Uni<List<IndexedSegment>> segments(String cameraId, Instant from, Instant to, int limit) {
        return repository.segments(cameraId, from, to, limit)
                .map(rows -> rows.stream().map(EventQueries::segment).toList());
    }

    public Uni<List<StatusChange>> statusHistory(String camera, Instant from, Instant to, int limit) {
        return repository.statusHistory(camera, from, to, limit);
    }

    /**
     * The latest status of each camera of {@code sites} that the registry holds: a deleted camera's last status stays
     * in its history ({@link #statusHistory}) but is no longer a camera's state.
     */
    public Uni<List<StatusChange>> latestStatuses(Collection<String> sites) {
        return repository.latestStatuses(sites).map(all -> all.stream().filter(s -> !cameras.unknown(s.cameraId()))
                .toList());
    }

    private static IndexedSegment segment(SegmentEntity s) {
        return new IndexedSegment(s.segmentId, s.cameraId, s.site, s.root, s.path, s.startedAt, s.endedAt, s.frames,
                s.bytes, s.sha256, s.codec, s.width, s.height);
    }

    /** A keyset position: the last event of a page. Opaque to clients (base64url of {@code micros:uuid}). */
    public record Cursor(Instant startedAt, UUID eventId) {

        static Cursor of(StoredMotionEvent e) {
            return new Cursor(e.startedAt(), UUID.fromString(e.eventId()));
        }

        public String encode() {
            String raw = ChronoUnit.MICROS.between(Instant.EPOCH, startedAt) + ":" + eventId;
            return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.US_ASCII));
        }

        /** @throws IllegalArgumentException when {@code s} is not a cursor this service made */
        public static Cursor decode(String s) {
            String raw = new String(Base64.getUrlDecoder().decode(s), StandardCharsets.US_ASCII);
            int colon = raw.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("not a cursor");
            }
            return new Cursor(Instant.EPOCH.plus(Long.parseLong(raw.substring(0, colon)), ChronoUnit.MICROS),
                    UUID.fromString(raw.substring(colon + 1)));
        }
    }
}
