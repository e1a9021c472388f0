package org.vigil.gateway.repository;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.gateway.Layout;

/** Users' saved Live layouts in {@code identity.layouts} (design 0020 §4). Calls block: the REST edge is blocking. */
@ApplicationScoped
public class LayoutRepository {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Pool pool;

    public LayoutRepository(Pool pool) {
        this.pool = pool;
    }

    public List<Layout> list(String owner) {
        List<Layout> out = new ArrayList<>();
        pool.preparedQuery("select name, cameras, columns, updated_at from identity.layouts where owner = $1 "
                + "order by name").execute(Tuple.of(owner)).await().atMost(TIMEOUT).forEach(r -> out.add(layout(r)));
        return out;
    }

    /** Creates or replaces {@code owner}'s layout of that name; true when it was new. */
    public boolean put(String owner, Layout l) {
        Row r = pool.preparedQuery("""
                insert into identity.layouts (owner, name, cameras, columns, updated_at) values ($1, $2, $3, $4, $5)
                on conflict (owner, name) do update set cameras = excluded.cameras, columns = excluded.columns,
                    updated_at = excluded.updated_at
                returning (xmax = 0)""").execute(Tuple.of(owner, l.name(), l.cameras().toArray(String[]::new),
                        l.columns(), l.updatedAt().atOffset(ZoneOffset.UTC))).await().atMost(TIMEOUT).iterator().next();
        return r.getBoolean(0);
    }

    /** True when there was such a layout. */
    public boolean delete(String owner, String name) {
        return pool.preparedQuery("delete from identity.layouts where owner = $1 and name = $2")
                .execute(Tuple.of(owner, name)).await().atMost(TIMEOUT).rowCount() > 0;
    }

    private static Layout layout(Row r) {
        return new Layout(r.getString(0), Arrays.asList(r.getArrayOfStrings(1)), r.getInteger(2),
                r.getOffsetDateTime(3).toInstant());
    }
}
