package org.vigil.events.repository;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

import org.vigil.events.StoredMotionEvent;

import org.hibernate.reactive.mutiny.Mutiny;
import org.vigil.contracts.CameraStatus;
import org.vigil.contracts.Json;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.SegmentClosed;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Writes and reads the event store through Hibernate Reactive. Every write is idempotent: replaying a message
 * leaves the table as it was (primary keys from the message, {@code on conflict}), so Kafka redelivery never makes
 * a duplicate.
 */
@ApplicationScoped
public class EventRepository {

    private final Mutiny.SessionFactory sessions;

    public EventRepository(Mutiny.SessionFactory sessions) {
        this.sessions = sessions;
    }

    /**
     * Inserts the event on its start, or folds a later phase into it. A stale or replayed phase never moves the
     * row backwards: {@code last_at} only grows, {@code ended_at} is set once.
     */
    public Uni<Integer> upsertMotion(MotionEvent e) {
        return sessions.withTransaction(s -> s.createNativeQuery("""
                insert into events.motion_events (event_id, camera_id, site, started_at, last_at, ended_at, score, boxes, zone)
                values (:id, :camera, :site, :started, :at, :ended, :score, cast(:boxes as jsonb), :zone)
                on conflict (event_id) do update set
                    last_at  = greatest(motion_events.last_at, excluded.last_at),
                    ended_at = coalesce(motion_events.ended_at, excluded.ended_at),
                    score    = greatest(motion_events.score, excluded.score),
                    boxes    = case when excluded.last_at > motion_events.last_at and excluded.boxes <> '[]'::jsonb
                                    then excluded.boxes else motion_events.boxes end
                """)
                .setParameter("id", UUID.fromString(e.eventId()))
                .setParameter("camera", e.cameraId())
                .setParameter("site", e.site())
                .setParameter("started", odt(e.startedAt()))
                .setParameter("at", odt(e.at()))
                .setParameter("ended", e.phase() == MotionEvent.Phase.END ? odt(e.at()) : null)
                .setParameter("score", e.score())
                .setParameter("boxes", new String(Json.write(e.boxes()), java.nio.charset.StandardCharsets.UTF_8))
                .setParameter("zone", e.zone())
                .executeUpdate());
    }

    public Uni<Integer> insertSnapshot(UUID eventId, byte[] jpeg) {
        return sessions.withTransaction(s -> s.createNativeQuery(
                "insert into events.snapshots (event_id, jpeg) values (:id, :jpeg) on conflict (event_id) do nothing")
                .setParameter("id", eventId).setParameter("jpeg", jpeg).executeUpdate());
    }

    public Uni<Integer> insertSegment(SegmentClosed g) {
        return sessions.withTransaction(s -> s.createNativeQuery("""
                insert into events.segments (segment_id, camera_id, site, root, path, started_at, ended_at, frames, bytes,
                                      sha256, codec, width, height)
                values (:id, :camera, :site, :root, :path, :started, :ended, :frames, :bytes, :sha, :codec, :w, :h)
                on conflict (segment_id) do nothing
                """)
                .setParameter("id", g.segmentId()).setParameter("camera", g.cameraId()).setParameter("site", g.site())
                .setParameter("root", g.root()).setParameter("path", g.path())
                .setParameter("started", odt(g.startedAt())).setParameter("ended", odt(g.endedAt()))
                .setParameter("frames", g.frames()).setParameter("bytes", g.bytes()).setParameter("sha", g.sha256())
                .setParameter("codec", g.codec()).setParameter("w", g.width()).setParameter("h", g.height())
                .executeUpdate());
    }

    public Uni<Integer> insertStatus(CameraStatus st) {
        return sessions.withTransaction(s -> s.createNativeQuery("""
                insert into events.camera_status (camera_id, at, site, state, fps, width, height, codec, last_error, instance)
                values (:camera, :at, :site, :state, :fps, :w, :h, :codec, :error, :instance)
                on conflict (camera_id, at) do nothing
                """)
                .setParameter("camera", st.cameraId()).setParameter("at", odt(st.at())).setParameter("site", st.site())
                .setParameter("state", st.state().wireName()).setParameter("fps", st.fps())
                .setParameter("w", st.width()).setParameter("h", st.height()).setParameter("codec", st.codec())
                .setParameter("error", st.lastError()).setParameter("instance", st.instance())
                .executeUpdate());
    }

    /** The newest motion events on the given sites, newest first. */
    public Uni<List<StoredMotionEvent>> latestMotion(Collection<String> sites, boolean allSites, int limit) {
        return sessions.withSession(s -> s.createNativeQuery("""
                select event_id, camera_id, site, started_at, last_at, ended_at, score, boxes::text, zone,
                       exists (select 1 from events.snapshots n where n.event_id = e.event_id)
                from events.motion_events e
                where (:all or site in (:sites))
                order by started_at desc, event_id
                limit :limit
                """, Object[].class)
                .setParameter("all", allSites)
                .setParameter("sites", sites.isEmpty() ? List.of("") : sites)
                .setParameter("limit", limit)
                .getResultList())
                .map(rows -> rows.stream().map(EventRepository::row).toList());
    }

    public Uni<StoredMotionEvent> motion(UUID id) {
        return sessions.withSession(s -> s.createNativeQuery("""
                select event_id, camera_id, site, started_at, last_at, ended_at, score, boxes::text, zone,
                       exists (select 1 from events.snapshots n where n.event_id = e.event_id)
                from events.motion_events e where event_id = :id
                """, Object[].class).setParameter("id", id).getResultList())
                .map(rows -> rows.isEmpty() ? null : row(rows.get(0)));
    }

    public Uni<byte[]> snapshot(UUID id) {
        return sessions.withSession(s -> s.createNativeQuery("select jpeg from events.snapshots where event_id = :id",
                byte[].class).setParameter("id", id).getResultList())
                .map(rows -> rows.isEmpty() ? null : rows.get(0));
    }

    /** Segments of a camera overlapping {@code [from, to)}, oldest first. */
    public Uni<List<SegmentEntity>> segments(String cameraId, Instant from, Instant to, int limit) {
        return sessions.withSession(s -> s.createSelectionQuery(
                "from SegmentEntity where cameraId = :camera and endedAt > :from and startedAt < :to order by startedAt",
                SegmentEntity.class)
                .setParameter("camera", cameraId).setParameter("from", from).setParameter("to", to)
                .setMaxResults(limit).getResultList());
    }

    private static StoredMotionEvent row(Object[] r) {
        return new StoredMotionEvent(r[0].toString(), (String) r[1], (String) r[2], instant(r[3]), instant(r[4]),
                instant(r[5]), ((Number) r[6]).doubleValue(), (String) r[7], (String) r[8], (Boolean) r[9]);
    }

    private static Instant instant(Object o) {
        if (o == null) {
            return null;
        }
        if (o instanceof OffsetDateTime odt) {
            return odt.toInstant();
        }
        if (o instanceof Instant i) {
            return i;
        }
        if (o instanceof java.time.LocalDateTime ldt) {
            return ldt.toInstant(ZoneOffset.UTC);
        }
        throw new IllegalStateException("unexpected time type " + o.getClass());
    }

    private static OffsetDateTime odt(Instant i) {
        return i == null ? null : i.atOffset(ZoneOffset.UTC);
    }
}
