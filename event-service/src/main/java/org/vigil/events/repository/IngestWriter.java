package org.vigil.events.repository;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.CameraStatus;
import org.vigil.contracts.Detections;
import org.vigil.contracts.Json;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.SegmentClosed;
import org.vigil.evidence.AuditChain;

/**
 * Writes batches of facts from Kafka, each batch in one transaction, statements pipelined ({@code executeBatch}) on the
 * reactive pool that Hibernate Reactive also uses. Every write is idempotent: keys come from the messages and
 * conflicts are absorbed, so a replayed batch leaves the tables as they were.
 */
@ApplicationScoped
public class IngestWriter {

    /** The audit chain starts from this hash. */
    public static final String GENESIS = AuditChain.GENESIS;

    private static final Logger LOG = Logger.getLogger(IngestWriter.class);

    private final Pool pool;

    public IngestWriter(Pool pool) {
        this.pool = pool;
    }

    /**
     * Stores motion phases as one statement per batch ({@code unnest} of arrays): the phases of one event in the batch
     * are folded first (a row may be touched once per statement), then merged with what is stored so that a stale or
     * replayed phase never moves a row backwards: {@code last_at} only grows, {@code ended_at} is set once.
     */
    public Uni<Void> motion(List<MotionEvent> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Map<String, MotionEvent[]> folded = new java.util.LinkedHashMap<>();
        for (MotionEvent e : events) {
            // [latest phase, end phase]
            MotionEvent[] f = folded.computeIfAbsent(e.eventId() + "|" + e.startedAt(), k -> new MotionEvent[2]);
            if (f[0] == null || e.at().isAfter(f[0].at()) || (e.at().equals(f[0].at()) && e.score() > f[0].score())) {
                f[0] = f[0] != null && f[0].score() > e.score() ? withScore(e, f[0].score()) : e;
            } else if (e.score() > f[0].score()) {
                f[0] = withScore(f[0], e.score());
            }
            if (e.phase() == MotionEvent.Phase.END && f[1] == null) {
                f[1] = e;
            }
        }
        int n = folded.size();
        UUID[] ids = new UUID[n];
        String[] cameras = new String[n];
        String[] sites = new String[n];
        OffsetDateTime[] started = new OffsetDateTime[n];
        OffsetDateTime[] last = new OffsetDateTime[n];
        OffsetDateTime[] ended = new OffsetDateTime[n];
        Double[] scores = new Double[n];
        String[] boxes = new String[n];
        String[] zones = new String[n];
        int i = 0;
        for (MotionEvent[] f : folded.values()) {
            MotionEvent e = f[0];
            ids[i] = UUID.fromString(e.eventId());
            cameras[i] = e.cameraId();
            sites[i] = e.site();
            started[i] = odt(e.startedAt());
            last[i] = odt(e.at());
            ended[i] = f[1] == null ? null : odt(f[1].at());
            scores[i] = e.score();
            boxes[i] = new String(Json.write(e.boxes()), StandardCharsets.UTF_8);
            zones[i] = e.zone();
            i++;
        }
        Tuple args = Tuple.tuple().addArrayOfUUID(ids).addArrayOfString(cameras).addArrayOfString(sites)
                .addArrayOfOffsetDateTime(started).addArrayOfOffsetDateTime(last).addArrayOfOffsetDateTime(ended)
                .addArrayOfDouble(scores).addArrayOfString(boxes).addArrayOfString(zones);
        return creatingDays("motion_events", Arrays.stream(started), () -> pool.preparedQuery("""
                insert into events.motion_events (event_id, camera_id, site, started_at, last_at, ended_at, score, boxes, zone)
                select u.id, u.camera, u.site, u.started, u.last, u.ended, u.score, u.boxes::jsonb, u.zone
                from unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[],
                            $7::float8[], $8::text[], $9::text[])
                     as u(id, camera, site, started, last, ended, score, boxes, zone)
                on conflict (started_at, event_id) do update set
                    last_at  = greatest(motion_events.last_at, excluded.last_at),
                    ended_at = coalesce(motion_events.ended_at, excluded.ended_at),
                    score    = greatest(motion_events.score, excluded.score),
                    boxes    = case when excluded.last_at > motion_events.last_at and excluded.boxes <> '[]'::jsonb
                                    then excluded.boxes else motion_events.boxes end
                """).execute(args).replaceWithVoid());
    }

    private static MotionEvent withScore(MotionEvent e, double score) {
        return new MotionEvent(e.v(), e.eventId(), e.cameraId(), e.site(), e.phase(), e.startedAt(), e.at(), score,
                e.boxes(), e.zone());
    }

    /** Stores detections and adds their labels to the motion event they belong to. */
    public Uni<Void> detections(List<Detections> batch) {
        if (batch.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = new ArrayList<>();
        List<Tuple> labels = new ArrayList<>();
        for (Detections d : batch) {
            rows.add(Tuple.tuple().addString(d.cameraId()).addOffsetDateTime(odt(d.at())).addString(d.site())
                    .addUUID(d.eventId() == null ? null : UUID.fromString(d.eventId())).addString(d.detector())
                    .addString(new String(Json.write(d.objects()), StandardCharsets.UTF_8)));
            if (d.eventId() != null) {
                String[] l = d.objects().stream().map(Detections.Detected::label).distinct().sorted()
                        .toArray(String[]::new);
                labels.add(Tuple.of(UUID.fromString(d.eventId()), l));
            }
        }
        return creatingDays("detections", batch.stream().map(d -> odt(d.at())), () -> pool.withTransaction(
                c -> c.preparedQuery("""
                insert into events.detections (camera_id, at, site, event_id, detector, objects)
                values ($1, $2, $3, $4, $5, cast($6::text as jsonb)) on conflict (at, camera_id) do nothing
                """).executeBatch(rows).chain(() -> labels.isEmpty() ? Uni.createFrom().nullItem()
                : c.preparedQuery("""
                        update events.motion_events set labels = array(select distinct unnest(labels || $2::text[])
                                                                     order by 1)
                        where event_id = $1 and not labels @> $2::text[]
                        """).executeBatch(labels))).replaceWithVoid());
    }

    public Uni<Void> segments(List<SegmentClosed> batch) {
        if (batch.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = new ArrayList<>();
        for (SegmentClosed g : batch) {
            rows.add(Tuple.from(List.of(g.segmentId(), g.cameraId(), g.site(), g.root(), g.path(),
                    odt(g.startedAt()), odt(g.endedAt()), g.frames(), g.bytes(), g.sha256(), g.codec(), g.width(),
                    g.height())));
        }
        return pool.withTransaction(c -> c.preparedQuery("""
                insert into events.segments (segment_id, camera_id, site, root, path, started_at, ended_at, frames, bytes,
                                             sha256, codec, width, height)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                on conflict (started_at, segment_id) do nothing
                """).executeBatch(rows)).replaceWithVoid();
    }

    /**
     * Keeps every camera's latest status, and the history of changes (a new state, not the 10-second heartbeats).
     */
    public Uni<Void> statuses(List<CameraStatus> batch) {
        if (batch.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = new ArrayList<>();
        for (CameraStatus s : batch) {
            rows.add(Tuple.from(Arrays.asList(s.cameraId(), odt(s.at()), s.site(), s.state().wireName(),
                    s.fps(), s.width(), s.height(), s.codec(), s.lastError(), s.instance())));
        }
        return creatingDays("camera_status", batch.stream().map(s -> odt(s.at())), () -> pool.withTransaction(
                c -> c.preparedQuery("""
                with prev as (select state from events.camera_status_latest where camera_id = $1),
                latest as (
                    insert into events.camera_status_latest (camera_id, at, site, state, fps, width, height, codec,
                                                             last_error, instance)
                    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                    on conflict (camera_id) do update set at = excluded.at, site = excluded.site,
                        state = excluded.state, fps = excluded.fps, width = excluded.width, height = excluded.height,
                        codec = excluded.codec, last_error = excluded.last_error, instance = excluded.instance
                    where excluded.at > camera_status_latest.at)
                insert into events.camera_status (camera_id, at, site, state, fps, width, height, codec, last_error,
                                                  instance)
                select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
                where not exists (select 1 from prev where prev.state = $4)
                on conflict (at, camera_id) do nothing
                """).executeBatch(rows)).replaceWithVoid());
    }

    public Uni<Void> snapshots(Map<UUID, byte[]> jpegs) {
        if (jpegs.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = new ArrayList<>();
        jpegs.forEach((id, jpeg) -> rows.add(Tuple.of(id, io.vertx.core.buffer.Buffer.buffer(jpeg))));
        return pool.withTransaction(c -> c.preparedQuery(
                "insert into events.snapshots (event_id, jpeg) values ($1, $2) on conflict (event_id) do nothing")
                .executeBatch(rows)).replaceWithVoid();
    }

    /**
     * Appends audit entries, in the order given, to the hash chain: {@code hash = SHA-256(prev_hash + "\n" + canonical
     * JSON of the entry)}, {@code seq} the next number of central's chain. Each audit topic (this cluster's, and each
     * site's mirrored one) is read in its own order; entries of several topics interleave in the order they were
     * stored, under one lock. An entry already stored (a replay), or already chained earlier in the same batch (a
     * relay's resend that arrived with its original), is skipped and does not move the chain.
     */
    public Uni<Void> audit(List<AuditEntry> entries) {
        if (entries.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        UUID[] ids = entries.stream().map(e -> UUID.fromString(e.id())).toArray(UUID[]::new);
        return pool.withTransaction(c -> c.query("select pg_advisory_xact_lock(hashtext('events.audit_log'))").execute()
                .chain(() -> c.preparedQuery("select id from events.audit_log where id = any($1)").execute(Tuple.of(
                        ids)))
                .chain(existing -> {
                    Set<UUID> stored = new HashSet<>();
                    for (Row r : existing) {
                        stored.add(r.getUUID(0));
                    }
                    return lastLink(c).chain(last -> {
                        List<Tuple> rows = new ArrayList<>();
                        String h = last.hash();
                        long seq = last.seq();
                        for (AuditEntry a : entries) {
                            if (!stored.add(UUID.fromString(a.id()))) {
                                continue; // stored before, or a resend of one earlier in this batch
                            }
                            String next = AuditChain.chain(h, a);
                            rows.add(Tuple.from(Arrays.asList(++seq, UUID.fromString(a.id()),
                                    odt(a.at().truncatedTo(java.time.temporal.ChronoUnit.MICROS)), a.service(),
                                    a.actor(), a.action(), a.target(), a.site(),
                                    a.outcome(), new String(Json.write(a.details()), StandardCharsets.UTF_8), h,
                                    next)));
                            h = next;
                        }
                        return rows.isEmpty() ? Uni.createFrom().voidItem() : c.preparedQuery("""
                                insert into events.audit_log (seq, id, at, service, actor, action, target, site, outcome,
                                                              details, prev_hash, hash)
                                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, cast($10::text as jsonb), $11, $12)
                                on conflict (at, id) do nothing
                                """).executeBatch(rows).replaceWithVoid();
                    });
                }));
    }

    /**
     * Runs {@code write}; when a row's day has no partition (motion_events, camera_status and detections have no
     * default partition, so that retention can detach days without stalling inserts: design 0012), creates the
     * partitions of every day in the batch and runs it again. That happens for a replay of old messages or a camera
     * whose clock is wrong; the partitions around today are made ahead by {@link #ensurePartitions}.
     */
    private Uni<Void> creatingDays(String table, Stream<OffsetDateTime> times,
            Supplier<Uni<Void>> write) {
        return write.get().onFailure(IngestWriter::noPartition).recoverWithUni(e -> {
            // only on this rare path: the batch's days (times is lazy, consumed here once)
            LocalDate[] days = times.map(t -> t.withOffsetSameInstant(ZoneOffset.UTC).toLocalDate()).distinct()
                    .sorted().toArray(LocalDate[]::new);
            LOG.infof("creating day partitions of %s for %s: a row's day had none (a replay of old messages, or a "
                    + "camera's clock)", table, Arrays.toString(days));
            return pool.preparedQuery("select events.ensure_days($1, $2::date[])")
                    .execute(Tuple.tuple().addString(table).addArrayOfLocalDate(days)).chain(() -> write.get());
        });
    }

    /** PostgreSQL found no partition for a row (check_violation, "no partition of relation ... found for row"). */
    static boolean noPartition(Throwable e) {
        return e instanceof PgException p && "23514".equals(p.getSqlState())
                && p.getErrorMessage() != null && p.getErrorMessage().startsWith("no partition of relation");
    }

    private record Last(long seq, String hash) {
    }

    /** The chain's last link: its seq and hash, or 0 and the genesis hash for an empty log. */
    private static Uni<Last> lastLink(SqlConnection c) {
        return c.query("select seq, hash from events.audit_log order by seq desc limit 1").execute()
                .map(rs -> rs.size() == 0 ? new Last(0, GENESIS) : new Last(rs.iterator().next().getLong(0),
                        rs.iterator().next().getString(1)));
    }

    private static OffsetDateTime odt(Instant i) {
        return i == null ? null : i.atOffset(ZoneOffset.UTC);
    }

    /** Creates the day partitions around today for every partitioned table; safe to run from several instances. */
    public Uni<Integer> ensurePartitions(int daysBack, int daysAhead) {
        return pool.withTransaction(c -> c.preparedQuery("""
                select sum(events.ensure_partitions(t, $1, $2)) from unnest(array['motion_events', 'segments',
                    'camera_status', 'detections', 'audit_log']) t
                """).execute(Tuple.of(daysBack, daysAhead)).map(rs -> {
                    Long n = rs.iterator().next().getLong(0);
                    return n == null ? 0 : n.intValue();
                }));
    }
}
