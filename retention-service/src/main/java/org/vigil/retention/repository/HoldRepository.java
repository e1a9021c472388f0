package org.vigil.retention.repository;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
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
import org.vigil.retention.Hold;

/** Legal holds in {@code retention.holds}, and what the event store says about the things they cover. Blocking. */
@ApplicationScoped
public class HoldRepository {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String COLUMNS = "id, kind, cameras, sites, from_ts, to_ts, event_id, export_id, case_id, "
            + "reason, placed_by, placed_at, expires_at, released_by, released_at";

    /** What an event covers: its camera, site and span. */
    public record EventSpan(String cameraId, String site, Instant from, Instant to) {
    }

    /** What an export covers: its cameras, sites and range. */
    public record ExportSpan(List<String> cameras, List<String> sites, Instant from, Instant to) {
    }

    private final Pool pool;

    public HoldRepository(Pool pool) {
        this.pool = pool;
    }

    /** Stores a new hold and, in the same transaction, what {@code alongside} writes (its audit entries). */
    public void insert(Hold h, Function<SqlConnection, Uni<Void>> alongside) {
        pool.withTransaction(c -> c.preparedQuery("""
                insert into retention.holds (id, kind, cameras, sites, from_ts, to_ts, event_id, export_id, case_id,
                                             reason, placed_by, placed_at, expires_at)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)""")
                .execute(Tuple.tuple().addValue(UUID.fromString(h.id())).addValue(h.kind())
                        .addValue(h.cameras().toArray(String[]::new)).addValue(h.sites().toArray(String[]::new))
                        .addValue(odt(h.from())).addValue(odt(h.to())).addValue(uuid(h.eventId()))
                        .addValue(uuid(h.exportId())).addValue(h.caseId())
                        .addValue(h.reason()).addValue(h.placedBy()).addValue(odt(h.placedAt()))
                        .addValue(odt(h.expiresAt())))
                .chain(() -> alongside.apply(c)))
                .await().atMost(TIMEOUT);
    }

    public List<Hold> all() {
        List<Hold> out = new ArrayList<>();
        pool.query("select " + COLUMNS + " from retention.holds order by placed_at desc").execute().await()
                .atMost(TIMEOUT).forEach(r -> out.add(hold(r)));
        return out;
    }

    public Optional<Hold> find(String id) {
        RowSet<Row> rows = pool.preparedQuery("select " + COLUMNS + " from retention.holds where id = $1")
                .execute(Tuple.of(UUID.fromString(id))).await().atMost(TIMEOUT);
        return rows.iterator().hasNext() ? Optional.of(hold(rows.iterator().next())) : Optional.empty();
    }

    /**
     * Releases an active hold and, in the same transaction, writes what {@code alongside} writes (its audit entries);
     * returns whether it did (false, and nothing written, when it was released already).
     */
    public boolean release(String id, String by, Instant at, Function<SqlConnection, Uni<Void>> alongside) {
        return pool.withTransaction(c -> c.preparedQuery("""
                update retention.holds set released_by = $2, released_at = $3
                where id = $1 and released_at is null""")
                .execute(Tuple.of(UUID.fromString(id), by, odt(at)))
                .chain(rs -> rs.rowCount() == 1 ? alongside.apply(c).replaceWith(true)
                        : Uni.createFrom().item(false)))
                .await().atMost(TIMEOUT);
    }

    /** The camera, site and span of a stored motion event. */
    public Optional<EventSpan> event(String eventId) {
        RowSet<Row> rows = pool.preparedQuery("""
                select camera_id, site, started_at, coalesce(ended_at, last_at) as ended
                from events.v1_motion_events where event_id = $1 limit 1""")
                .execute(Tuple.of(UUID.fromString(eventId))).await().atMost(TIMEOUT);
        if (!rows.iterator().hasNext()) {
            return Optional.empty();
        }
        Row r = rows.iterator().next();
        return Optional.of(new EventSpan(r.getString(0), r.getString(1), r.getOffsetDateTime(2).toInstant(),
                r.getOffsetDateTime(3).toInstant()));
    }

    /** The cameras, sites and range of an export job that finished (a package exists). */
    public Optional<ExportSpan> export(String exportId) {
        RowSet<Row> rows = pool.preparedQuery("""
                select cameras, sites, from_ts, to_ts from exports.v1_finished_jobs where id = $1""")
                .execute(Tuple.of(UUID.fromString(exportId))).await().atMost(TIMEOUT);
        if (!rows.iterator().hasNext()) {
            return Optional.empty();
        }
        Row r = rows.iterator().next();
        return Optional.of(new ExportSpan(List.of(r.getArrayOfStrings(0)), List.of(r.getArrayOfStrings(1)),
                r.getOffsetDateTime(2).toInstant(), r.getOffsetDateTime(3).toInstant()));
    }

    /** The site a camera recorded on, from the segment index. */
    public Optional<String> siteOf(String cameraId) {
        RowSet<Row> rows = pool.preparedQuery("""
                select site from events.v1_segments where camera_id = $1 order by started_at desc limit 1""")
                .execute(Tuple.of(cameraId)).await().atMost(TIMEOUT);
        return rows.iterator().hasNext() ? Optional.of(rows.iterator().next().getString(0)) : Optional.empty();
    }

    private static Hold hold(Row r) {
        UUID event = r.getUUID("event_id");
        UUID export = r.getUUID("export_id");
        return new Hold(r.getUUID("id").toString(), r.getString("kind"), List.of(r.getArrayOfStrings("cameras")),
                List.of(r.getArrayOfStrings("sites")), instant(r, "from_ts"), instant(r, "to_ts"),
                event == null ? null : event.toString(), export == null ? null : export.toString(),
                r.getString("case_id"), r.getString("reason"), r.getString("placed_by"), instant(r, "placed_at"),
                instant(r, "expires_at"), r.getString("released_by"), instant(r, "released_at"));
    }

    private static Instant instant(Row r, String column) {
        OffsetDateTime t = r.getOffsetDateTime(column);
        return t == null ? null : t.toInstant();
    }

    private static UUID uuid(String s) {
        return s == null ? null : UUID.fromString(s);
    }

    private static OffsetDateTime odt(Instant i) {
        return i == null ? null : i.atOffset(ZoneOffset.UTC);
    }
}
