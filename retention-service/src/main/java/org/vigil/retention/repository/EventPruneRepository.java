package org.vigil.retention.repository;

import static org.vigil.retention.repository.PruneRepository.odt;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Prunes the event store's day-partitioned tables by whole days: the days past their policy are detached together
 * (catalog changes under one brief lock of the parent, which waits at most a moment for it, else gives up until the
 * next run), then for each day the rows an active hold covers are copied back through the parent (they land in the
 * default partition) and the day is dropped, copy and drop in one transaction. A crash between detach and drop leaves a detached day, which the next run finishes. Rows in the default
 * partition (held rows, or replays of old messages) are deleted by key in small batches once no hold covers them.
 * Blocking.
 */
@ApplicationScoped
public class EventPruneRepository {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int BATCH = 1000;

    /** A day-partitioned table retention prunes, with the span of each row and the policy it follows. */
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
            return ActiveHold.covers("x.camera_id", "x." + time, end, now);
        }
    }

    /** Which policy a table follows: RETENTION_EVENTS_DAYS or RETENTION_AI_DATA_DAYS. */
    public enum Policy {
        EVENTS, AI_DATA
    }

    /** What happened to one day: rows deleted, and rows kept because a hold covers them. */
    public record DayDropped(String partition, long deleted, long kept) {
    }

    /** Rows before a cut-off: those a run would delete, and those held. */
    public record Due(long rows, long held) {
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

    /**
     * Detaches these day partitions of {@code t} in one transaction, one round trip: the parent's lock is taken once
     * and held only for the catalog changes and the commit, never across the network. Returns false, detaching
     * nothing, when the lock was not free within {@code lockWait} (a long reader or writer held it): the days are left
     * for the next run rather than making ingest queue behind the wait.
     */
    public boolean detach(Table t, List<String> partitions, Duration lockWait) {
        StringBuilder sql = new StringBuilder("set local lock_timeout = '" + lockWait.toMillis() + "ms'");
        for (String p : partitions) {
            sql.append("; alter table events.").append(t.name).append(" detach partition events.").append(day(t, p));
        }
        try {
            pool.query(sql.toString()).execute().await().atMost(TIMEOUT);
            return true;
        } catch (PgException e) {
            if ("55P03".equals(e.getSqlState())) { // lock_not_available
                return false;
            }
            throw e;
        }
    }

    /** The day partitions of {@code t} that are attached now. */
    public java.util.Set<String> attached(Table t) {
        java.util.Set<String> out = new java.util.HashSet<>();
        pool.preparedQuery("""
                select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
                join pg_class p on p.oid = i.inhparent join pg_namespace n on n.oid = p.relnamespace
                where n.nspname = 'events' and p.relname = $1""").execute(Tuple.of(t.name)).await().atMost(TIMEOUT)
                .forEach(r -> out.add(r.getString(0)));
        return out;
    }

    /**
     * Deletes a detached day of {@code t}, keeping held rows: they are copied back through the parent (into the default
     * partition) and the day is dropped, in one transaction. The parent is only written to, as ingest does.
     */
    public DayDropped dropDetached(Table t, String partition, Instant now) {
        LocalDate day = LocalDate.parse(day(t, partition).substring(partition.length() - 8),
                java.time.format.DateTimeFormatter.BASIC_ISO_DATE);
        // the first condition is evaluated once: a day no active hold comes near is not scanned at all
        String copyHeld = "insert into events." + t.name + " select * from events." + partition + " x where "
                + "exists (select 1 from retention.holds h where h.released_at is null and (h.expires_at is null "
                + "or h.expires_at > $1) and h.from_ts <= $3 and h.to_ts >= $2) and " + t.held("$1");
        Tuple args = Tuple.of(odt(now), odt(day.atStartOfDay(ZoneOffset.UTC).toInstant()),
                odt(day.plusDays(2).atStartOfDay(ZoneOffset.UTC).toInstant())); // events may run past midnight
        return pool.withTransaction(c -> c.query("select count(*) from events." + partition).execute()
                .chain(total -> c.preparedQuery(copyHeld).execute(args)
                        .chain(kept -> c.query("drop table events." + partition).execute()
                                .map(x -> new DayDropped(partition, total.iterator().next().getLong(0)
                                        - kept.rowCount(), kept.rowCount())))))
                .await().atMost(TIMEOUT);
    }

    private static String day(Table t, String partition) {
        if (!DAY.matcher(partition).matches() || !partition.startsWith(t.name + "_")) {
            throw new IllegalArgumentException("not a day partition of " + t.name + ": " + partition);
        }
        return partition;
    }

    /** Deletes rows of the default partition before {@code boundary} that no hold covers, a batch per statement. */
    public long deleteDefaultRows(Table t, Instant boundary, Instant now) {
        String table = "events." + t.name + "_default";
        long deleted = 0;
        int n;
        do {
            n = pool.preparedQuery("delete from " + table + " where ctid = any(array(select x.ctid from " + table
                    + " x where x." + t.time + " < $1 and not " + t.held("$2") + " limit $3))")
                    .execute(Tuple.of(odt(boundary), odt(now), BATCH)).await().atMost(TIMEOUT).rowCount();
            deleted += n;
        } while (n == BATCH);
        return deleted;
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

    /** How many rows of {@code t} lie before {@code boundary}, and how many of them are held. */
    public Due due(Table t, Instant boundary, Instant now) {
        Row r = pool.preparedQuery("select count(*) filter (where not " + t.held("$2") + "), count(*) filter (where "
                + t.held("$2") + ") from events." + t.name + " x where x." + t.time + " < $1")
                .execute(Tuple.of(odt(boundary), odt(now))).await().atMost(TIMEOUT).iterator().next();
        return new Due(r.getLong(0), r.getLong(1));
    }
}
