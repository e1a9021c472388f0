package org.vigil.events.retention;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.runtime.db.AdvisoryLock;

/**
 * Prunes the event store's day-partitioned tables by whole days, without ever making an insert wait: a day no active
 * hold covers is detached concurrently (these tables have no default partition, so PostgreSQL allows it: the parent is
 * locked only in a mode inserts do not conflict with) and then dropped; a day with held rows stays, and its other rows
 * are deleted by key, a batch at a time. A crash or a lock timeout between detach and drop leaves a pending or detached
 * day, which the next run finishes. Blocking.
 *
 * <p>Legal holds are retention-service's: they are read only through its versioned view
 * {@code retention.v1_active_holds}, and placing one is blocked for a drop's transaction only through its
 * {@code retention.v1_lock_holds()} (retention's migration V4 grants both to this service's role).
 */
@ApplicationScoped
public class EventPruneRepository {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int BATCH = 1000;
    /**
     * For the steps a crash may undo without harm (a detach, a delete of rows that have no file): their commits do not
     * wait for the WAL flush. Every flush retention asks for is one that ingest's commits may queue behind;
     * PostgreSQL's WAL writer flushes these within a fraction of a second anyway.
     */
    private static final String ASYNC_COMMIT = "synchronous_commit = off";

    /** A day-partitioned table event retention prunes, with the span of each row and the policy it follows. */
    public enum Table {
        MOTION_EVENTS("motion_events", "started_at", "coalesce(x.ended_at, x.last_at)", Policy.EVENTS),
        CAMERA_STATUS("camera_status", "at", "x.at", Policy.EVENTS),
        DETECTIONS("detections", "at", "x.at", Policy.AI_DATA);

        public final String name;
        final String time;
        final String end;
        public final Policy policy;

        Table(String name, String time, String end, Policy policy) {
            this.name = name;
            this.time = time;
            this.end = end;
            this.policy = policy;
        }

        /** An active hold covers row {@code x}. */
        String held(String now) {
            return holdCovers("x.camera_id", "x." + time, end, now);
        }
    }

    /** Which policy a table follows: RETENTION_EVENTS_DAYS or RETENTION_AI_DATA_DAYS. */
    public enum Policy {
        EVENTS, AI_DATA
    }

    /** Rows before a cut-off: those a run would delete, and those held. */
    public record Due(long rows, long held) {
    }

    /**
     * An active hold covers a row: a hold not released (the view) and not expired at {@code now} on the camera, whose
     * range touches [from, to]; bounds are inclusive, as in retention's own check of recordings.
     */
    static String holdCovers(String camera, String from, String to, String now) {
        return """
                exists (select 1 from retention.v1_active_holds h
                        where %1$s = any(h.cameras) and (h.expires_at is null or h.expires_at > %4$s)
                          and h.from_ts <= %3$s and h.to_ts >= %2$s)""".formatted(camera, from, to, now);
    }

    private static final Pattern DAY = Pattern.compile("[a-z_]+_\\d{8}");

    private final Pool pool;

    public EventPruneRepository(Pool pool) {
        this.pool = pool;
    }

    /** The first instant of the first UTC day that is not wholly before {@code cutoff}: days before it go. */
    public static Instant dayBoundary(Instant cutoff) {
        return LocalDate.ofInstant(cutoff, ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** The day partitions of {@code t} wholly before {@code boundary}: attached ones, and ones left detached. */
    public List<String> daysBefore(Table t, Instant boundary) {
        List<String> out = new ArrayList<>();
        pool.preparedQuery("""
                select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'events' and c.relkind = 'r' and c.relname ~ ('^' || $1 || '_[0-9]{8}$')
                  and to_date(right(c.relname, 8), 'YYYYMMDD') < $2::date
                order by c.relname""")
                .execute(Tuple.of(t.name, LocalDate.ofInstant(boundary, ZoneOffset.UTC))).await().atMost(TIMEOUT)
                .forEach(r -> out.add(r.getString(0)));
        return out;
    }

    /** The day partitions of {@code t} that are attached now, each with whether a detach of it is pending. */
    public Map<String, Boolean> attached(Table t) {
        Map<String, Boolean> out = new HashMap<>();
        pool.preparedQuery("""
                select c.relname, i.inhdetachpending from pg_inherits i join pg_class c on c.oid = i.inhrelid
                join pg_class p on p.oid = i.inhparent join pg_namespace n on n.oid = p.relnamespace
                where n.nspname = 'events' and p.relname = $1""").execute(Tuple.of(t.name)).await().atMost(TIMEOUT)
                .forEach(r -> out.put(r.getString(0), r.getBoolean(1)));
        return out;
    }

    /**
     * Detaches a day of {@code t} concurrently: PostgreSQL holds the parent's SHARE UPDATE EXCLUSIVE lock, which
     * inserts do not wait for, and the day's own ACCESS EXCLUSIVE lock only at the end (nothing writes to a past day
     * but a replay).
     * Each lock is waited for at most {@code lockWait}; returns false when one was not free (a long reader of the day):
     * the day is then left attached or with its detach pending, which the next run finishes ({@link #finishDetach}).
     */
    public boolean detach(Table t, String partition, Duration lockWait) {
        return underLockTimeout(lockWait, "alter table events." + t.name + " detach partition events." + day(t,
                partition) + " concurrently");
    }

    /** Finishes a detach that a lock timeout or a crash left pending (PostgreSQL allows one per table at a time). */
    public boolean finishDetach(Table t, String partition, Duration lockWait) {
        return underLockTimeout(lockWait, "alter table events." + t.name + " detach partition events." + day(t,
                partition) + " finalize");
    }

    private boolean underLockTimeout(Duration lockWait, String statement) {
        // not in a transaction block (PostgreSQL refuses DETACH CONCURRENTLY there): session settings, then reset.
        // Its two commits need not wait for the WAL to reach the disk (see ASYNC_COMMIT): a detach a crash loses is
        // simply done again by the next run.
        try {
            pool.withConnection(c -> c.query("set lock_timeout = '" + lockWait.toMillis() + "ms'; set " + ASYNC_COMMIT)
                    .execute()
                    .chain(() -> c.query(statement).execute())
                    .eventually(() -> c.query("reset lock_timeout; reset synchronous_commit").execute()))
                    .await().atMost(TIMEOUT);
            return true;
        } catch (PgException e) {
            if ("55P03".equals(e.getSqlState())) { // lock_not_available
                return false;
            }
            throw e;
        }
    }

    /**
     * Puts a detached day of {@code t} back (a hold now covers some of its rows): SHARE UPDATE EXCLUSIVE on the parent,
     * like a detach, since the table has no default partition.
     */
    public void reattach(Table t, String partition) {
        LocalDate d = date(t, partition);
        pool.query("alter table events." + t.name + " attach partition events." + partition + " for values from ('"
                + d + " 00:00:00+00') to ('" + d.plusDays(1) + " 00:00:00+00')").execute().await().atMost(TIMEOUT);
    }

    /** How many rows of a day of {@code t} (attached or detached) an active hold covers. */
    public long heldRows(Table t, String partition, Instant now) {
        return pool.preparedQuery("select count(*) from events." + day(t, partition) + " x where "
                + mayBeHeld(t, partition) + " and " + t.held("$1")).execute(Tuple.of(odt(now)))
                .await().atMost(TIMEOUT).iterator().next().getLong(0);
    }

    /**
     * Drops these detached days of {@code t}, except any an active hold now covers a row of, checked in the same
     * transaction with placing holds blocked for its length (milliseconds), so a hold placed meanwhile cannot lose its
     * rows. One transaction for several days: PostgreSQL flushes the WAL at every commit that drops tables, and each
     * flush is one an insert may have to wait behind. Returns the rows of each day dropped; a day left out was kept.
     */
    public Map<String, Long> dropDetached(Table t, List<String> partitions, Instant now) {
        StringBuilder counts = new StringBuilder();
        for (String p : partitions) {
            counts.append(counts.length() == 0 ? "" : " union all ").append("select '").append(day(t, p))
                    .append("', count(*) filter (where ").append(mayBeHeld(t, p)).append(" and ").append(t.held("$1"))
                    .append("), count(*) from events.").append(p).append(" x");
        }
        return pool.withTransaction(c -> c.query("select retention.v1_lock_holds()").execute()
                .chain(() -> c.preparedQuery(counts.toString()).execute(Tuple.of(odt(now))))
                .chain(rs -> {
                    Map<String, Long> free = new java.util.LinkedHashMap<>();
                    rs.forEach(r -> {
                        if (r.getLong(1) == 0) {
                            free.put(r.getString(0), r.getLong(2));
                        }
                    });
                    return free.isEmpty() ? Uni.createFrom().item(free)
                            : c.query("drop table " + String.join(", ", free.keySet().stream().map(p -> "events." + p)
                                    .toList())).execute().map(x -> free);
                }))
                .await().atMost(TIMEOUT);
    }

    /** Deletes up to a batch of the rows of an attached day of {@code t} that no active hold covers; returns them. */
    public int deleteUnheldBatch(Table t, String partition, Instant now) {
        String table = "events." + day(t, partition);
        // a delete a crash loses is done again by the next run: no need to wait for the disk (see ASYNC_COMMIT)
        return pool.withTransaction(c -> c.query("set local " + ASYNC_COMMIT).execute().chain(() -> c.preparedQuery(
                "delete from " + table + " where ctid = any(array(select x.ctid from " + table + " x where not "
                        + t.held("$1") + " limit $2))").execute(Tuple.of(odt(now), BATCH))))
                .await().atMost(TIMEOUT).rowCount();
    }

    /** Deletes a batch at a time: a full batch means there may be more. */
    public static int batch() {
        return BATCH;
    }

    /** Evaluated once per statement: no active hold comes near this day, so no row of it needs the per-row check. */
    private static String mayBeHeld(Table t, String partition) {
        LocalDate d = date(t, partition);
        // events may run past midnight: a hold up to a day later may still cover an event that started this day
        return "exists (select 1 from retention.v1_active_holds h where (h.expires_at is null "
                + "or h.expires_at > $1) and h.from_ts <= '" + d.plusDays(2) + " 00:00:00+00' and h.to_ts >= '" + d
                + " 00:00:00+00')";
    }

    private static LocalDate date(Table t, String partition) {
        String p = day(t, partition);
        return LocalDate.parse(p.substring(p.length() - 8), java.time.format.DateTimeFormatter.BASIC_ISO_DATE);
    }

    private static String day(Table t, String partition) {
        if (!DAY.matcher(partition).matches() || !partition.startsWith(t.name + "_")) {
            throw new IllegalArgumentException("not a day partition of " + t.name + ": " + partition);
        }
        return partition;
    }

    /** Snapshots stored before {@code boundary} whose event is gone (so never a held event's), a batch at a time. */
    public long deleteSnapshots(Instant boundary) {
        long deleted = 0;
        int n;
        do {
            n = pool.preparedQuery("""
                    delete from events.snapshots where event_id = any(array(
                        select s.event_id from events.snapshots s where s.stored_at < $1
                          and not exists (select 1 from events.motion_events e where e.event_id = s.event_id)
                        limit $2))""").execute(Tuple.of(odt(boundary), BATCH)).await().atMost(TIMEOUT).rowCount();
            deleted += n;
        } while (n == BATCH);
        return deleted;
    }

    /** Review marks (personal and the team's) of events gone from the store, of events started before {@code boundary}. */
    public long deleteReviews(Instant boundary) {
        long deleted = 0;
        for (String table : List.of("event_reviews", "event_team_reviews")) {
            int n;
            do {
                n = pool.preparedQuery("delete from events." + table + " where ctid = any(array("
                        + "select r.ctid from events." + table + " r where r.started_at < $1 and not exists (select 1 "
                        + "from events.motion_events e where e.event_id = r.event_id) limit $2))")
                        .execute(Tuple.of(odt(boundary), BATCH)).await().atMost(TIMEOUT).rowCount();
                deleted += n;
            } while (n == BATCH);
        }
        return deleted;
    }

    /** Bookmarks of moments before {@code boundary}, but those a hold covers (the notes of held footage stay). */
    public long deleteBookmarks(Instant boundary, Instant now) {
        long deleted = 0;
        int n;
        do {
            n = pool.preparedQuery("delete from events.bookmarks where bookmark_id = any(array(select x.bookmark_id "
                    + "from events.bookmarks x where x.at < $1 and not " + holdCovers("x.camera_id", "x.at", "x.at",
                            "$3") + " limit $2))")
                    .execute(Tuple.of(odt(boundary), BATCH, odt(now))).await().atMost(TIMEOUT).rowCount();
            deleted += n;
        } while (n == BATCH);
        return deleted;
    }

    /** How many rows of {@code t} lie before {@code boundary}, and how many of them are held. */
    public Due due(Table t, Instant boundary, Instant now) {
        Row r = pool.preparedQuery("select count(*) filter (where not " + t.held("$2") + "), count(*) filter (where "
                + t.held("$2") + ") from events." + t.name + " x where x." + t.time + " < $1")
                .execute(Tuple.of(odt(boundary), odt(now))).await().atMost(TIMEOUT).iterator().next();
        return new Due(r.getLong(0), r.getLong(1));
    }

    /**
     * Runs {@code work} only if this instance gets the cluster-wide event-retention lock (a PostgreSQL advisory lock
     * held on one connection for the run); returns false when another instance (or run) is pruning.
     */
    public boolean withPruneLock(Runnable work) {
        return AdvisoryLock.tryRun(pool, "vigil.events.retention", TIMEOUT, work);
    }

    static OffsetDateTime odt(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }
}
