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
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The segment index rows retention may delete: older than the cut-off and not covered by any active hold. Deletes a
 * row only by its key, in small transactions, so ingest never waits on a long lock. Blocking.
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

    private static final String NOT_HELD = " " + """
            not exists (select 1 from retention.holds h
                        where h.camera_id = s.camera_id and h.released_at is null
                          and (h.expires_at is null or h.expires_at > $2)
                          and h.from_ts < s.ended_at and h.to_ts > s.started_at)""";

    private final Pool pool;

    public PruneRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Each segment's age limit: its camera's override, else its site's, else the default ({@code $3..$7}); {@code $8}
     * is the oldest end any limit allows, so the index on ended_at narrows the scan.
     */
    private static final String DUE = """
            with cam(c, d) as (select * from unnest($3::text[], $4::int[])),
                 site(n, d) as (select * from unnest($5::text[], $6::int[]))
            select %s from events.segments s
            where s.ended_at < $8::timestamptz
              and s.ended_at < $1::timestamptz - make_interval(days => coalesce((select d from cam where c = s.camera_id),
                                                                   (select d from site where n = s.site), $7))
              and""" + NOT_HELD;

    private static Tuple due(Instant now, Map<String, Integer> cameras, Map<String, Integer> sites, int days) {
        int shortest = Math.min(days, Math.min(cameras.values().stream().mapToInt(Integer::intValue).min().orElse(days),
                sites.values().stream().mapToInt(Integer::intValue).min().orElse(days)));
        return Tuple.tuple().addValue(odt(now)).addValue(odt(now))
                .addValue(cameras.keySet().toArray(String[]::new)).addValue(cameras.values().toArray(Integer[]::new))
                .addValue(sites.keySet().toArray(String[]::new)).addValue(sites.values().toArray(Integer[]::new))
                .addValue(days).addValue(odt(now.minus(java.time.Duration.ofDays(shortest))));
    }

    /** Up to {@code limit} deletable segments (past their age limit, not held), oldest first. */
    public List<Candidate> candidates(Instant now, Map<String, Integer> cameras, Map<String, Integer> sites, int days,
            int limit) {
        List<Candidate> out = new ArrayList<>();
        pool.preparedQuery(DUE.formatted("segment_id, camera_id, site, root, path, started_at, ended_at, bytes")
                + " order by s.ended_at limit $9")
                .execute(due(now, cameras, sites, days).addValue(limit)).await().atMost(TIMEOUT)
                .forEach(r -> out.add(new Candidate(r.getString(0), r.getString(1), r.getString(2), r.getString(3),
                        r.getString(4), r.getOffsetDateTime(5).toInstant(), r.getOffsetDateTime(6).toInstant(),
                        r.getLong(7))));
        return out;
    }

    /** Counts, bytes and span of what a run would delete now. */
    public Summary summary(Instant now, Map<String, Integer> cameras, Map<String, Integer> sites, int days) {
        Row r = pool.preparedQuery(DUE.formatted("count(*), coalesce(sum(bytes), 0), min(started_at), max(ended_at)"))
                .execute(due(now, cameras, sites, days)).await().atMost(TIMEOUT).iterator().next();
        return new Summary(r.getLong(0), r.getLong(1), instant(r.getOffsetDateTime(2)), instant(r.getOffsetDateTime(3)));
    }

    /** Deletes one index row (by key, checking again that no hold covers it now); returns whether it did. */
    public boolean deleteRow(Candidate c, Instant now) {
        return pool.preparedQuery("""
                delete from events.segments s where s.segment_id = $1 and s.started_at = $3 and """ + NOT_HELD)
                .execute(Tuple.of(c.segmentId(), odt(now), odt(c.startedAt()))).await().atMost(TIMEOUT).rowCount() > 0;
    }

    /** Whether an index row names this file. */
    public boolean indexed(String root, String path) {
        return pool.preparedQuery("select 1 from events.segments where root = $1 and path = $2 limit 1")
                .execute(Tuple.of(root, path)).await().atMost(TIMEOUT).size() > 0;
    }

    /** Whether an active hold overlaps {@code camera}'s footage in [from, to]. */
    public boolean held(String camera, Instant from, Instant to, Instant now) {
        return pool.preparedQuery("""
                select 1 from retention.holds h where h.camera_id = $1 and h.released_at is null
                  and (h.expires_at is null or h.expires_at > $4) and h.from_ts <= $3 and h.to_ts > $2 limit 1""")
                .execute(Tuple.of(camera, odt(from), odt(to), odt(now))).await().atMost(TIMEOUT).size() > 0;
    }

    /**
     * Runs {@code work} only if this instance gets the cluster-wide prune lock (a PostgreSQL advisory lock held on one
     * connection for the run); returns false when another instance is pruning.
     */
    public boolean withPruneLock(Runnable work) {
        SqlConnection c = pool.getConnection().await().atMost(TIMEOUT);
        try {
            boolean got = c.query("select pg_try_advisory_lock(hashtext('vigil.retention.prune'))").execute().await()
                    .atMost(TIMEOUT).iterator().next().getBoolean(0);
            if (!got) {
                return false;
            }
            try {
                work.run();
            } finally {
                c.query("select pg_advisory_unlock(hashtext('vigil.retention.prune'))").execute().await()
                        .atMost(TIMEOUT);
            }
            return true;
        } finally {
            c.close().await().atMost(TIMEOUT);
        }
    }

    private static OffsetDateTime odt(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }
}
