package org.vigil.events.repository;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.events.Bookmark;

/** Bookmarks in the event store (design 0020 §2); each change commits with its audit entry. */
@ApplicationScoped
public class BookmarkRepository {

    private static final String COLUMNS = "bookmark_id, camera_id, site, at, note, created_by, created_at";

    private final Pool pool;

    public BookmarkRepository(Pool pool) {
        this.pool = pool;
    }

    /** Stores {@code b} and, in the same transaction, what {@code audit} writes. */
    public Uni<Bookmark> create(Bookmark b, Function<SqlClient, Uni<Void>> audit) {
        return pool.withTransaction(tx -> tx.preparedQuery("insert into events.bookmarks (" + COLUMNS
                + ") values ($1, $2, $3, $4, $5, $6, $7)").execute(Tuple.from(List.of(UUID.fromString(b.bookmarkId()),
                        b.cameraId(), b.site(), odt(b.at()), b.note(), b.createdBy(), odt(b.createdAt()))))
                .chain(() -> audit.apply(tx)).replaceWith(b));
    }

    public Uni<Bookmark> get(UUID id) {
        return pool.preparedQuery("select " + COLUMNS + " from events.bookmarks where bookmark_id = $1")
                .execute(Tuple.of(id)).map(rows -> rows.size() == 0 ? null : bookmark(rows.iterator().next()));
    }

    /** Deletes the bookmark and, in the same transaction, writes what {@code audit} writes; false when it was gone. */
    public Uni<Boolean> delete(UUID id, Function<SqlClient, Uni<Void>> audit) {
        return pool.withTransaction(tx -> tx.preparedQuery("delete from events.bookmarks where bookmark_id = $1")
                .execute(Tuple.of(id)).chain(rows -> rows.rowCount() == 0 ? Uni.createFrom().item(false)
                        : audit.apply(tx).replaceWith(true)));
    }

    /**
     * Bookmarks newest first: on {@code sites} ({@code null}: every site), of one camera or all, in {@code [from, to)},
     * whose note contains {@code text} (any case; {@code null}: all).
     */
    public Uni<List<Bookmark>> search(Collection<String> sites, String camera, String text, Instant from, Instant to,
            int limit) {
        if (sites != null && sites.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<Object> params = new ArrayList<>(List.of(odt(from), odt(to)));
        StringBuilder sql = new StringBuilder("select " + COLUMNS + " from events.bookmarks where at >= $1 and at < $2");
        if (sites != null) {
            params.add(sites.toArray(String[]::new));
            sql.append(" and site = any($").append(params.size()).append(")");
        }
        if (camera != null) {
            params.add(camera);
            sql.append(" and camera_id = $").append(params.size());
        }
        if (text != null) {
            // the words as typed: % and _ match themselves
            params.add("%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
            sql.append(" and note ilike $").append(params.size());
        }
        sql.append(" order by at desc, bookmark_id desc limit ").append(limit);
        return pool.preparedQuery(sql.toString()).execute(Tuple.from(params)).map(rows -> {
            List<Bookmark> out = new ArrayList<>();
            rows.forEach(r -> out.add(bookmark(r)));
            return out;
        });
    }

    private static Bookmark bookmark(Row r) {
        return new Bookmark(r.getUUID(0).toString(), r.getString(1), r.getString(2), r.getOffsetDateTime(3).toInstant(),
                r.getString(4), r.getString(5), r.getOffsetDateTime(6).toInstant());
    }

    private static OffsetDateTime odt(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }
}
