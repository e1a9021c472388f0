package org.vigil.retention.repository;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.runtime.db.AdvisoryLock;

/**
 * The segment index rows retention may delete, by each path: past their age limit, over a camera's or site's quota,
 * or oldest first to free disk space; never one an active hold covers. Reads the index through the event store's read
 * view {@code events.v1_segments} and deletes only through its function {@code events.v1_delete_segments}, by key, a
 * batch per short transaction that checks the holds again, so ingest never waits on a long lock. Blocking.
 */
@ApplicationScoped
public class PruneRepository {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** A segment as retention sees it. */
    public record Candidate(String segmentId, String cameraId, String site, String root, String path,
            Instant startedAt, Instant endedAt, long bytes) {
    }

    /** What a selection covers, for dry runs and reports. */
    public record Summary(long segments, long bytes, Instant oldest, Instant newest) {
    }

    /** The recordings' figures: bytes indexed, and bytes under an active hold. */
    public record Usage(long bytes, long heldBytes) {
    }

    /**
     * Bytes of segments that ended in the last hour and in the last day, and when the earliest of the last hour's
     * began (null when none): recording may have started less than an hour ago.
     */
    public record Recent(long lastHourBytes, long lastDayBytes, Instant lastHourSince) {
    }

    private static final String NOT_HELD = " not " + ActiveHold.covers("s.camera_id", "s.started_at", "s.ended_at",
            "$2");
    private static final String COLUMNS = "s.segment_id, s.camera_id, s.site, s.root, s.path, s.started_at, "
            + "s.ended_at, s.bytes";
    /**
     * Deletes rows by key through the event store's own function, passing the holds active at {@code $2}; run after
     * {@link #LOCK_HOLDS} in one transaction, so that no hold can be placed between the read and the delete.
     */
    private static final String DELETE_ROWS = """
            select * from events.v1_delete_segments($1::text[], $3::timestamptz[], (
                select coalesce(jsonb_agg(jsonb_build_object('cameras', h.cameras, 'from', h.from_ts, 'to', h.to_ts)),
                                '[]'::jsonb)
                from retention.holds h where h.released_at is null and (h.expires_at is null or h.expires_at > $2)))""";
    /** Keeps new holds out (their insert waits) until the deleting transaction ends. */
    private static final String LOCK_HOLDS = "lock table retention.holds in share mode";
    private static final String SUMMARY = "count(*), coalesce(sum(bytes), 0), min(started_at), max(ended_at)";

    /**
     * Each segment's age limit: its camera's override, else its site's, else the default ({@code $3..$7}); {@code $8}
     * is the oldest end any limit allows, so the index on ended_at narrows the scan.
     */
    private static final String DUE = """
            with cam(c, d) as (select * from unnest($3::text[], $4::int[])),
                 site(n, d) as (select * from unnest($5::text[], $6::int[]))
            select %s from events.v1_segments s
            where s.ended_at < $8::timestamptz
              and s.ended_at < $1::timestamptz - make_interval(days => coalesce((select d from cam where c = s.camera_id),
                                                                   (select d from site where n = s.site), $7))
              and""" + NOT_HELD;

    /**
     * Unheld segments of each group ({@code camera_id} or {@code site}) over its quota ({@code $1, $3}), oldest first,
     * as many as bring it back under: the running total of unheld bytes, oldest first, up to the excess.
     */
    private static final String OVER_QUOTA = """
            with q(k, b) as (select * from unnest($1::text[], $3::bigint[])),
                 used as (select s.%1$s as k, sum(s.bytes) as total from events.v1_segments s
                          where s.%1$s = any($1::text[]) group by s.%1$s),
                 ranked as (select %2$s, u.total - q.b as excess,
                                   sum(s.bytes) over (partition by s.%1$s order by s.started_at, s.segment_id) as upto
                            from events.v1_segments s join q on q.k = s.%1$s join used u on u.k = s.%1$s
                            where u.total > q.b and""" + NOT_HELD + """
                            )
            select %3$s from ranked s where s.upto - s.bytes < s.excess""";

    /** The oldest unheld segments whose bytes add up to {@code $1} (the running total before each is short of it). */
    private static final String OLDEST_UNHELD = """
            with ranked as (select %s, sum(s.bytes) over (order by s.started_at, s.segment_id) as upto
                            from events.v1_segments s where""" + NOT_HELD + """
                            )
            select %s from ranked s where s.upto - s.bytes < $1""";

    private final Pool pool;

    public PruneRepository(Pool pool) {
        this.pool = pool;
    }

    private static Tuple due(Instant now, Map<String, Integer> cameras, Map<String, Integer> sites, int days) {
        int shortest = Math.min(days, Math.min(cameras.values().stream().mapToInt(Integer::intValue).min().orElse(days),
                sites.values().stream().mapToInt(Integer::intValue).min().orElse(days)));
        return Tuple.tuple().addValue(odt(now)).addValue(odt(now))
                .addValue(cameras.keySet().toArray(String[]::new)).addValue(cameras.values().toArray(Integer[]::new))
                .addValue(sites.keySet().toArray(String[]::new)).addValue(sites.values().toArray(Integer[]::new))
                .addValue(days).addValue(odt(now.minus(Duration.ofDays(shortest))));
    }

    private static Tuple quota(Instant now, Map<String, Long> quotas) {
        return Tuple.tuple().addValue(quotas.keySet().toArray(String[]::new)).addValue(odt(now))
                .addValue(quotas.values().toArray(Long[]::new));
    }

    /** Up to {@code limit} segments past their age limit and not held, oldest first. */
    public List<Candidate> pastAge(Instant now, Map<String, Integer> cameras, Map<String, Integer> sites, int days,
            int limit) {
        return candidates(DUE.formatted(COLUMNS) + " order by s.ended_at limit $9",
                due(now, cameras, sites, days).addValue(limit));
    }

    public Summary pastAgeSummary(Instant now, Map<String, Integer> cameras, Map<String, Integer> sites, int days) {
        return summary(DUE.formatted(SUMMARY), due(now, cameras, sites, days));
    }

    /** What {@link #pastAgeSummary} covers of the recordings of the cameras {@code only}. */
    public Summary pastAgeSummaryOf(Instant now, Map<String, Integer> cameras, Map<String, Integer> sites, int days,
            java.util.Set<String> only) {
        return summary(DUE.formatted(SUMMARY) + " and s.camera_id = any($9::text[])", due(now, cameras, sites, days)
                .addValue(only.toArray(String[]::new)));
    }

    /** Up to {@code limit} unheld segments that bring cameras or sites ({@code group}) over quota back under it. */
    public List<Candidate> overQuota(QuotaGroup group, Instant now, Map<String, Long> quotas, int limit) {
        if (quotas.isEmpty()) {
            return List.of();
        }
        return candidates(OVER_QUOTA.formatted(group.column, COLUMNS, "s.*") + " order by s.started_at limit $4",
                quota(now, quotas).addValue(limit));
    }

    public Summary overQuotaSummary(QuotaGroup group, Instant now, Map<String, Long> quotas) {
        if (quotas.isEmpty()) {
            return new Summary(0, 0, null, null);
        }
        return summary(OVER_QUOTA.formatted(group.column, COLUMNS, SUMMARY), quota(now, quotas));
    }

    /** What a quota counts: a camera's recordings, or a site's. */
    public enum QuotaGroup {
        CAMERA("camera_id"), SITE("site");

        final String column;

        QuotaGroup(String column) {
            this.column = column;
        }
    }

    /** Bytes of recordings of each named camera or site ({@code group}). */
    public Map<String, Long> usageBy(QuotaGroup group, java.util.Set<String> names) {
        Map<String, Long> out = new java.util.TreeMap<>();
        if (names.isEmpty()) {
            return out;
        }
        pool.preparedQuery("select s.%1$s, sum(s.bytes) from events.v1_segments s where s.%1$s = any($1::text[]) group by 1"
                .formatted(group.column)).execute(Tuple.of(names.toArray(String[]::new))).await().atMost(TIMEOUT)
                .forEach(r -> out.put(r.getString(0), r.getLong(1)));
        return out;
    }

    /** Up to {@code limit} of the oldest unheld segments that together free {@code bytes}. */
    public List<Candidate> oldestUnheld(long bytes, Instant now, int limit) {
        return candidates(OLDEST_UNHELD.formatted(COLUMNS, "s.*") + " order by s.started_at limit $3",
                Tuple.of(bytes, odt(now), limit));
    }

    public Summary oldestUnheldSummary(long bytes, Instant now) {
        return summary(OLDEST_UNHELD.formatted(COLUMNS, SUMMARY), Tuple.of(bytes, odt(now)));
    }

    private List<Candidate> candidates(String sql, Tuple args) {
        List<Candidate> out = new ArrayList<>();
        pool.preparedQuery(sql).execute(args).await().atMost(TIMEOUT).forEach(r -> out.add(candidate(r)));
        return out;
    }

    private Summary summary(String sql, Tuple args) {
        Row r = pool.preparedQuery(sql).execute(args).await().atMost(TIMEOUT).iterator().next();
        return new Summary(r.getLong(0), r.getLong(1), instant(r.getOffsetDateTime(2)),
                instant(r.getOffsetDateTime(3)));
    }

    /**
     * Deletes these index rows in one statement, by key, each only if no hold covers it now (a hold placed since
     * they were selected wins); returns the ones it deleted. Their files are the caller's to delete next.
     */
    public List<Candidate> deleteRows(List<Candidate> batch, Instant now) {
        if (batch.isEmpty()) {
            return List.of();
        }
        List<Candidate> out = new ArrayList<>();
        pool.withTransaction(c -> c.query(LOCK_HOLDS).execute()
                .chain(() -> c.preparedQuery(DELETE_ROWS).execute(deleteArgs(batch, now))))
                .await().atMost(TIMEOUT).forEach(r -> out.add(candidate(r)));
        return out;
    }

    /** Rows a lazy delete removed, and the WAL position at which that delete is on disk. */
    public record Gone(List<Candidate> rows, String walPosition) {
    }

    /**
     * {@link #deleteRows}, but its commit does not wait for the WAL to reach the disk: ingest's commits flush it within
     * milliseconds (or the WAL writer, within a fraction of a second), and a flush retention asked for is one they
     * might queue behind. The files must not go before {@link #awaitDurable} of the returned position: until then a
     * crash may bring the rows back.
     */
    public Gone deleteRowsLazily(List<Candidate> batch, Instant now) {
        if (batch.isEmpty()) {
            return new Gone(List.of(), null);
        }
        List<Candidate> out = new ArrayList<>();
        pool.withTransaction(c -> c.query("set local synchronous_commit = off").execute()
                .chain(() -> c.query(LOCK_HOLDS).execute())
                .chain(() -> c.preparedQuery(DELETE_ROWS).execute(deleteArgs(batch, now))))
                .await().atMost(TIMEOUT).forEach(r -> out.add(candidate(r)));
        // read after the commit returned: at or past the end of its commit record
        String lsn = pool.query("select pg_current_wal_insert_lsn()::text").execute().await().atMost(TIMEOUT)
                .iterator().next().getString(0);
        return new Gone(out, lsn);
    }

    /**
     * Returns once the WAL is on disk up to {@code walPosition}: at once when someone flushed it already (the usual
     * case), else by a commit that waits for the flush. With synchronous standbys configured, always by such a commit,
     * which waits for them as well: a failover must not bring back rows whose files are gone.
     */
    public void awaitDurable(String walPosition) {
        if (walPosition == null) {
            return;
        }
        boolean flushed = pool.preparedQuery("select pg_current_wal_flush_lsn() >= $1::pg_lsn "
                + "and current_setting('synchronous_standby_names') = ''")
                .execute(Tuple.of(walPosition)).await().atMost(TIMEOUT).iterator().next().getBoolean(0);
        if (!flushed) {
            // a transaction with an id commits with a flush of everything before it (synchronous_commit is on)
            pool.withTransaction(c -> c.query("select pg_current_xact_id()").execute()).await().atMost(TIMEOUT);
        }
    }

    private static Tuple deleteArgs(List<Candidate> batch, Instant now) {
        return Tuple.of(batch.stream().map(Candidate::segmentId).toArray(String[]::new), odt(now),
                batch.stream().map(c -> odt(c.startedAt())).toArray(OffsetDateTime[]::new));
    }

    /** Bytes indexed, and bytes under active holds (a scan of the index: for the status page, not every check). */
    public Usage usage(Instant now) {
        Row r = pool.preparedQuery("""
                select coalesce(sum(s.bytes), 0),
                       coalesce(sum(s.bytes) filter (where""" + " "
                + ActiveHold.covers("s.camera_id", "s.started_at", "s.ended_at", "$1") + """
                       ), 0)
                from events.v1_segments s""").execute(Tuple.of(odt(now))).await().atMost(TIMEOUT).iterator().next();
        return new Usage(r.getLong(0), r.getLong(1));
    }

    /** Bytes of segments that ended in the last hour and the last day (cheap: partitions of the last two days). */
    public Recent recent(Instant now) {
        Row r = pool.preparedQuery("""
                select coalesce(sum(bytes) filter (where ended_at > $1::timestamptz - interval '1 hour'), 0),
                       coalesce(sum(bytes), 0),
                       min(started_at) filter (where ended_at > $1::timestamptz - interval '1 hour')
                from events.v1_segments where started_at > $1::timestamptz - interval '2 days'
                  and ended_at > $1::timestamptz - interval '1 day'""")
                .execute(Tuple.of(odt(now))).await().atMost(TIMEOUT).iterator().next();
        return new Recent(r.getLong(0), r.getLong(1), instant(r.getOffsetDateTime(2)));
    }

    /** Whether an index row names this file. */
    public boolean indexed(String root, String path) {
        return pool.preparedQuery("select 1 from events.v1_segments where root = $1 and path = $2 limit 1")
                .execute(Tuple.of(root, path)).await().atMost(TIMEOUT).size() > 0;
    }

    /** Whether an active hold overlaps {@code camera}'s footage in [from, to]. */
    public boolean held(String camera, Instant from, Instant to, Instant now) {
        return pool.preparedQuery("select " + ActiveHold.covers("$1::text", "$2::timestamptz", "$3::timestamptz",
                "$4::timestamptz")).execute(Tuple.of(camera, odt(from), odt(to), odt(now))).await().atMost(TIMEOUT)
                .iterator().next().getBoolean(0);
    }

    /**
     * Runs {@code work} only if this instance gets the cluster-wide prune lock (a PostgreSQL advisory lock held on one
     * connection for the run); returns false when another instance (or run) is pruning.
     */
    public boolean withPruneLock(Runnable work) {
        return AdvisoryLock.tryRun(pool, "vigil.retention.prune", TIMEOUT, work);
    }

    private static Candidate candidate(Row r) {
        return new Candidate(r.getString("segment_id"), r.getString("camera_id"), r.getString("site"),
                r.getString("root"), r.getString("path"), r.getOffsetDateTime("started_at").toInstant(),
                r.getOffsetDateTime("ended_at").toInstant(), r.getLong("bytes"));
    }

    static OffsetDateTime odt(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }

    static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }
}
