package org.vigil.events.repository;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.hibernate.reactive.mutiny.Mutiny;
import org.vigil.events.RecordingSpan;
import org.vigil.events.ReviewState;
import org.vigil.events.StatusChange;
import org.vigil.events.StoredMotionEvent;

/**
 * Reads the event store. Event searches are built per request from the filters given (each filter a predicate the
 * indexes serve, see docs/design/0009), on the reactive pool; segment lookups go through Hibernate Reactive.
 */
@ApplicationScoped
public class EventRepository {

    /** An event's columns, its review state as seen by the reviewer in parameter {@code $me}. */
    private static String columns(int me) {
        return "event_id, camera_id, site, started_at, last_at, ended_at, score, boxes::text, zone, labels, "
                + "exists (select 1 from events.snapshots n where n.event_id = e.event_id), "
                + "exists (select 1 from events.event_reviews r where r.event_id = e.event_id and r.reviewer = $" + me
                + "), (select t.reviewed_by from events.event_team_reviews t where t.event_id = e.event_id), "
                + "(select t.reviewed_at from events.event_team_reviews t where t.event_id = e.event_id)";
    }

    /** The condition a review state puts on events, the searching user being parameter {@code $me}. */
    private static String predicate(ReviewState state, int me) {
        String exists = state == ReviewState.MINE || state == ReviewState.TEAM ? "exists" : "not exists";
        return state == ReviewState.MINE || state == ReviewState.NOT_MINE
                ? " and " + exists + " (select 1 from events.event_reviews r where r.event_id = e.event_id and "
                        + "r.reviewer = $" + me + ")"
                : " and " + exists + " (select 1 from events.event_team_reviews t where t.event_id = e.event_id)";
    }

    /**
     * A search: sites (null = all), optional camera, label, zone and review state, a time window, and the keyset
     * position. {@code reviewer}: the user searching, whose own review marks the events show.
     */
    public record Search(Collection<String> sites, String camera, String label, String zone, ReviewState reviewed,
            String reviewer, Instant from, Instant to, Instant beforeStart, UUID beforeId, int limit) {
    }

    private final Mutiny.SessionFactory sessions;
    private final Pool pool;

    public EventRepository(Mutiny.SessionFactory sessions, Pool pool) {
        this.sessions = sessions;
        this.pool = pool;
    }

    /**
     * Events newest first. With several sites, each site is read in index order with its own limit and the results
     * merged ({@code union all}), so a page costs {@code limit} index entries per site whatever the window holds.
     */
    public Uni<List<StoredMotionEvent>> search(Search s) {
        if (s.sites() != null && s.sites().isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        Query q = query(s);
        return pool.preparedQuery(q.sql()).execute(Tuple.from(q.params()))
                .map(rows -> {
                    List<StoredMotionEvent> out = new ArrayList<>();
                    rows.forEach(r -> out.add(event(r)));
                    return out;
                });
    }

    /** A statement and its parameters ($1, $2, …). */
    public record Query(String sql, List<Object> params) {
    }

    /** The statement a search runs (tests and benchmarks EXPLAIN it). */
    public static Query query(Search s) {
        List<Object> params = new ArrayList<>();
        int me = add(params, s.reviewer() == null ? "" : s.reviewer());
        String cols = columns(me);
        StringBuilder common = new StringBuilder(" and started_at >= $").append(add(params, odt(s.from())))
                .append(" and started_at < $").append(add(params, odt(s.to())));
        if (s.camera() != null) {
            common.append(" and camera_id = $").append(add(params, s.camera()));
        }
        if (s.label() != null) {
            common.append(" and labels @> array[$").append(add(params, s.label())).append("]::text[]");
        }
        if (s.zone() != null) {
            common.append(" and zone = $").append(add(params, s.zone()));
        }
        if (s.reviewed() != null) {
            common.append(predicate(s.reviewed(), me));
        }
        if (s.beforeStart() != null) {
            common.append(" and (started_at, event_id) < ($").append(add(params, odt(s.beforeStart())))
                    .append(", $").append(add(params, s.beforeId())).append(")");
        }
        String order = " order by started_at desc, event_id desc limit " + s.limit();
        String sql;
        if (s.sites() == null) {
            sql = "select " + cols + " from events.motion_events e where true" + common + order;
        } else {
            List<String> parts = new ArrayList<>();
            for (String site : s.sites()) {
                parts.add("(select " + cols + " from events.motion_events e where site = $"
                        + add(params, site) + common + order + ")");
            }
            sql = parts.size() == 1 ? parts.get(0)
                    : "select * from (" + String.join(" union all ", parts) + ") u" + order.replace("started_at desc",
                            "4 desc").replace("event_id desc", "1 desc");
        }
        return new Query(sql, params);
    }


    private static int add(List<Object> params, Object v) {
        params.add(v);
        return params.size();
    }

    /** One event, with {@code reviewer}'s review state. */
    public Uni<StoredMotionEvent> motion(UUID id, String reviewer) {
        return pool.preparedQuery("select " + columns(2) + " from events.motion_events e where event_id = $1")
                .execute(Tuple.of(id, reviewer == null ? "" : reviewer))
                .map(rows -> rows.size() == 0 ? null : event(rows.iterator().next()));
    }

    /** The site and start of each of these events that exists (the others are not in the map). */
    public Uni<java.util.Map<UUID, EventKey>> keys(Collection<UUID> ids) {
        return pool.preparedQuery("select event_id, site, started_at from events.motion_events where event_id = any($1)")
                .execute(Tuple.of(ids.toArray(UUID[]::new))).map(rows -> {
                    java.util.Map<UUID, EventKey> out = new java.util.HashMap<>();
                    rows.forEach(r -> out.put(r.getUUID(0), new EventKey(r.getString(1), instant(r, 2))));
                    return out;
                });
    }

    /** Where an event belongs and when it started. */
    public record EventKey(String site, Instant startedAt) {
    }

    /**
     * Marks events reviewed (or not) by {@code reviewer}, and for the team too when {@code team}, with the audit
     * entries in the same transaction. Idempotent: marking twice changes nothing; unmarking what is not marked neither.
     */
    public Uni<Void> review(java.util.Map<UUID, EventKey> events, String reviewer, boolean reviewed, boolean team,
            Instant at, java.util.function.Function<io.vertx.mutiny.sqlclient.SqlClient, Uni<Void>> audit) {
        List<Tuple> mine = new ArrayList<>();
        List<Tuple> ids = new ArrayList<>();
        events.forEach((id, k) -> {
            mine.add(Tuple.of(id, reviewer, odt(k.startedAt()), odt(at)));
            ids.add(Tuple.of(id, reviewer));
        });
        return pool.withTransaction(tx -> {
            Uni<?> own = reviewed
                    ? tx.preparedQuery("insert into events.event_reviews (event_id, reviewer, started_at, reviewed_at) "
                            + "values ($1, $2, $3, $4) on conflict do nothing").executeBatch(mine)
                    : tx.preparedQuery("delete from events.event_reviews where event_id = $1 and reviewer = $2")
                            .executeBatch(ids);
            return own.chain(() -> {
                if (!team) {
                    return Uni.createFrom().voidItem();
                }
                return (reviewed
                        ? tx.preparedQuery("insert into events.event_team_reviews (event_id, started_at, reviewed_by, "
                                + "reviewed_at) values ($1, $3, $2, $4) on conflict do nothing").executeBatch(mine)
                        : tx.preparedQuery("delete from events.event_team_reviews where event_id = $1")
                                .executeBatch(ids.stream().map(t -> Tuple.of(t.getUUID(0))).toList()))
                        .replaceWithVoid();
            }).chain(() -> audit.apply(tx));
        });
    }

    public Uni<byte[]> snapshot(UUID id) {
        return sessions.withSession(s -> s.createNativeQuery("select jpeg from events.snapshots where event_id = :id",
                byte[].class).setParameter("id", id).getResultList())
                .map(rows -> rows.isEmpty() ? null : rows.get(0));
    }

    /** Segments of a camera overlapping {@code [from, to)}, oldest first. */
    public Uni<List<SegmentEntity>> segments(String cameraId, Instant from, Instant to, int limit) {
        return sessions.withSession(s -> s.createSelectionQuery(
                "from SegmentEntity where cameraId = :camera and startedAt < :to and startedAt > :earliest "
                        + "and endedAt > :from order by startedAt", SegmentEntity.class)
                .setParameter("camera", cameraId).setParameter("from", from).setParameter("to", to)
                // segments are at most a few minutes long: bound the start so whole partitions are pruned
                .setParameter("earliest", from.minus(java.time.Duration.ofHours(1)))
                .setMaxResults(limit).getResultList());
    }

    /**
     * A camera's recordings overlapping {@code [from, to)} as spans, oldest first: segments closer than {@code gap}
     * are one span (gaps and islands, in the database: a day of 4-second segments is 21,600 rows and a few spans).
     * {@code sites}: the sites the caller may see ({@code null}: all).
     */
    public Uni<List<RecordingSpan>> spans(String camera, Instant from, Instant to, java.time.Duration gap,
            Collection<String> sites, int limit) {
        String sql = """
                select min(started_at), max(ended_at), count(*), sum(bytes)::bigint from (
                  select started_at, ended_at, bytes, sum(case when prev_end is null
                      or started_at - prev_end > make_interval(secs => $4::float8 / 1000) then 1 else 0 end)
                      over (order by started_at, segment_id) as island
                  from (select started_at, ended_at, bytes, segment_id, max(ended_at) over (order by started_at,
                          segment_id rows between unbounded preceding and 1 preceding) as prev_end
                        from events.segments
                        where camera_id = $1 and started_at < $3 and ended_at > $2
                          and started_at > $2 - interval '1 hour' %s) s) x
                group by island order by 1 limit %d""".formatted(sites == null ? "" : "and site = any($5)", limit);
        Tuple args = Tuple.of(camera, odt(from), odt(to), (double) gap.toMillis());
        if (sites != null) {
            args.addValue(sites.toArray(String[]::new));
        }
        return pool.preparedQuery(sql).execute(args).map(rows -> {
            List<RecordingSpan> out = new ArrayList<>();
            rows.forEach(r -> out.add(new RecordingSpan(instant(r, 0), instant(r, 1), r.getLong(2), r.getLong(3))));
            return out;
        });
    }

    /** A camera's state changes in {@code [from, to)}, newest first. */
    public Uni<List<StatusChange>> statusHistory(String camera, Instant from, Instant to, int limit) {
        return pool.preparedQuery("""
                select camera_id, site, at, state, fps, width, height, codec, last_error, instance
                from events.camera_status where camera_id = $1 and at >= $2 and at < $3 order by at desc limit $4
                """).execute(Tuple.of(camera, odt(from), odt(to), limit)).map(EventRepository::statuses);
    }

    /** The latest status of every camera on the given sites (null = all). */
    public Uni<List<StatusChange>> latestStatuses(Collection<String> sites) {
        String sql = "select camera_id, site, at, state, fps, width, height, codec, last_error, instance "
                + "from events.camera_status_latest" + (sites == null ? "" : " where site = any($1)")
                + " order by camera_id";
        return (sites == null ? pool.query(sql).execute()
                : pool.preparedQuery(sql).execute(Tuple.of(sites.toArray(String[]::new))))
                .map(EventRepository::statuses);
    }

    private static List<StatusChange> statuses(io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        List<StatusChange> out = new ArrayList<>();
        for (Row r : rows) {
            out.add(new StatusChange(r.getString(0), r.getString(1), r.getOffsetDateTime(2).toInstant(),
                    r.getString(3), r.getDouble(4), r.getInteger(5), r.getInteger(6), r.getString(7), r.getString(8),
                    r.getString(9)));
        }
        return out;
    }

    private static StoredMotionEvent event(Row r) {
        String[] labels = r.getArrayOfStrings(9);
        return new StoredMotionEvent(r.getUUID(0).toString(), r.getString(1), r.getString(2), instant(r, 3),
                instant(r, 4), instant(r, 5), r.getDouble(6), r.getString(7), r.getString(8),
                labels == null ? List.of() : Arrays.asList(labels), r.getBoolean(10), r.getBoolean(11),
                r.getString(12), instant(r, 13));
    }

    private static Instant instant(Row r, int i) {
        OffsetDateTime t = r.getOffsetDateTime(i);
        return t == null ? null : t.toInstant();
    }

    private static OffsetDateTime odt(Instant i) {
        return i == null ? null : i.atOffset(ZoneOffset.UTC);
    }
}
