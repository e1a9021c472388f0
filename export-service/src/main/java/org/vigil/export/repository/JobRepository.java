package org.vigil.export.repository;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.export.ExportJob;

/** Export jobs in {@code exports.jobs}. Blocking calls: use from worker threads. */
@ApplicationScoped
public class JobRepository {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String COLUMNS = "id, state, cameras, sites, from_ts, to_ts, reason, case_id, include_mp4, requested_by, "
            + "created_at, started_at, finished_at, attempts, cancel_requested, bytes_total, bytes_done, error, "
            + "file_size, file_sha256";

    private final Pool pool;

    public JobRepository(Pool pool) {
        this.pool = pool;
    }

    /** Stores a new queued job and, in the same transaction, what {@code alongside} writes (its audit entry). */
    public void insert(ExportJob j, String footageGrant, Function<SqlConnection, Uni<Void>> alongside) {
        pool.withTransaction(c -> c.preparedQuery("""
                insert into exports.jobs (id, state, cameras, sites, from_ts, to_ts, reason, case_id, requested_by,
                                          created_at, bytes_total, include_mp4, footage_grant)
                values ($1, 'queued', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""")
                .execute(Tuple.tuple().addValue(UUID.fromString(j.id())).addValue(j.cameras().toArray(String[]::new))
                        .addValue(j.sites().toArray(String[]::new)).addValue(odt(j.from())).addValue(odt(j.to()))
                        .addValue(j.reason()).addValue(j.caseId()).addValue(j.requestedBy())
                        .addValue(odt(j.createdAt())).addValue(j.bytesTotal()).addValue(j.includeMp4())
                        .addValue(footageGrant))
                .chain(() -> alongside.apply(c)))
                .await().atMost(TIMEOUT);
    }

    /** The footage grant a job fetches remote segments with; empty when it has none (or it ended). */
    public Optional<String> footageGrant(String id) {
        RowSet<Row> rows = pool.preparedQuery("select footage_grant from exports.jobs where id = $1")
                .execute(Tuple.of(UUID.fromString(id))).await().atMost(TIMEOUT);
        return rows.iterator().hasNext() ? Optional.ofNullable(rows.iterator().next().getString(0)) : Optional.empty();
    }

    public Optional<ExportJob> find(String id) {
        RowSet<Row> rows = pool.preparedQuery("select " + COLUMNS + " from exports.jobs where id = $1")
                .execute(Tuple.of(UUID.fromString(id))).await().atMost(TIMEOUT);
        return rows.iterator().hasNext() ? Optional.of(job(rows.iterator().next())) : Optional.empty();
    }

    public List<ExportJob> recent(int limit) {
        List<ExportJob> out = new ArrayList<>();
        pool.preparedQuery("select " + COLUMNS + " from exports.jobs order by created_at desc limit $1")
                .execute(Tuple.of(limit)).await().atMost(TIMEOUT).forEach(r -> out.add(job(r)));
        return out;
    }

    /** Jobs waiting for a runner, across every instance. */
    public long queued() {
        return pool.query("select count(*) from exports.jobs where state = 'queued'").execute().await().atMost(TIMEOUT)
                .iterator().next().getLong(0);
    }

    /** Takes the oldest queued job and marks it running (one attempt more); safe with several instances. */
    public Optional<ExportJob> claimNext(Instant now) {
        RowSet<Row> rows = pool.preparedQuery("""
                update exports.jobs set state = 'running', started_at = $1, attempts = attempts + 1, bytes_done = 0
                where id = (select id from exports.jobs where state = 'queued' order by created_at
                            for update skip locked limit 1)
                returning """ + " " + COLUMNS).execute(Tuple.of(odt(now))).await().atMost(TIMEOUT);
        return rows.iterator().hasNext() ? Optional.of(job(rows.iterator().next())) : Optional.empty();
    }

    public void progress(String id, long bytesDone, long bytesTotal) {
        pool.preparedQuery("update exports.jobs set bytes_done = $2, bytes_total = $3 where id = $1")
                .execute(Tuple.of(UUID.fromString(id), bytesDone, bytesTotal)).await().atMost(TIMEOUT);
    }

    public boolean cancelRequested(String id) {
        RowSet<Row> rows = pool.preparedQuery("select cancel_requested from exports.jobs where id = $1")
                .execute(Tuple.of(UUID.fromString(id))).await().atMost(TIMEOUT);
        return rows.iterator().hasNext() && rows.iterator().next().getBoolean(0);
    }

    /**
     * Asks a queued or running job to stop; a queued one is cancelled at once. Returns the job after; what
     * {@code alongside} writes (its audit entry) commits with the request, and only when there was one.
     */
    public Optional<ExportJob> requestCancel(String id, Instant now, Function<SqlConnection, Uni<Void>> alongside) {
        RowSet<Row> rows = pool.withTransaction(c -> c.preparedQuery("""
                update exports.jobs set cancel_requested = true,
                    state = case when state = 'queued' then 'cancelled' else state end,
                    finished_at = case when state = 'queued' then $2 else finished_at end,
                    footage_grant = case when state = 'queued' then null else footage_grant end
                where id = $1 and state in ('queued', 'running')
                returning """ + " " + COLUMNS).execute(Tuple.of(UUID.fromString(id), odt(now)))
                .call(r -> r.iterator().hasNext() ? alongside.apply(c) : Uni.createFrom().voidItem()))
                .await().atMost(TIMEOUT);
        return rows.iterator().hasNext() ? Optional.of(job(rows.iterator().next())) : Optional.empty();
    }

    /** Records a job's end and, in the same transaction, what {@code alongside} writes (its audit entry). */
    public void finish(String id, String state, String error, Long size, String sha256, Instant now,
            Function<SqlConnection, Uni<Void>> alongside) {
        pool.withTransaction(c -> c.preparedQuery("""
                update exports.jobs set state = $2, error = $3, file_size = $4, file_sha256 = $5, finished_at = $6,
                       footage_grant = null
                where id = $1""")
                .execute(Tuple.tuple().addValue(UUID.fromString(id)).addValue(state).addValue(error).addValue(size)
                        .addValue(sha256).addValue(odt(now)))
                .chain(() -> alongside.apply(c)))
                .await().atMost(TIMEOUT);
    }

    /**
     * Jobs left running by a stopped instance: queued again while attempts remain, failed with the reason otherwise.
     *
     * @return how many were requeued and failed
     */
    public int[] recoverInterrupted(int maxAttempts, Instant now) {
        int requeued = pool.preparedQuery("""
                update exports.jobs set state = 'queued', error = 'interrupted by a restart; started again'
                where state = 'running' and attempts < $1 and not cancel_requested""")
                .execute(Tuple.of(maxAttempts)).await().atMost(TIMEOUT).rowCount();
        int failed = pool.preparedQuery("""
                update exports.jobs set state = case when cancel_requested then 'cancelled' else 'failed' end,
                    error = case when cancel_requested then null
                            else 'interrupted ' || attempts || ' times by restarts; not tried again' end,
                    finished_at = $1, footage_grant = null
                where state = 'running'""")
                .execute(Tuple.of(odt(now))).await().atMost(TIMEOUT).rowCount();
        return new int[] {requeued, failed};
    }

    private static ExportJob job(Row r) {
        return new ExportJob(r.getUUID("id").toString(), r.getString("state"), Arrays.asList(r.getArrayOfStrings("cameras")),
                Arrays.asList(r.getArrayOfStrings("sites")), instant(r, "from_ts"), instant(r, "to_ts"),
                r.getString("reason"), r.getString("case_id"), r.getBoolean("include_mp4"), r.getString("requested_by"), instant(r, "created_at"),
                instant(r, "started_at"), instant(r, "finished_at"), r.getInteger("attempts"),
                r.getBoolean("cancel_requested"), r.getLong("bytes_total"), r.getLong("bytes_done"), r.getString("error"),
                r.getLong("file_size"), r.getString("file_sha256"));
    }

    private static Instant instant(Row r, String column) {
        OffsetDateTime t = r.getOffsetDateTime(column);
        return t == null ? null : t.toInstant();
    }

    private static OffsetDateTime odt(Instant i) {
        return i == null ? null : i.atOffset(ZoneOffset.UTC);
    }
}
