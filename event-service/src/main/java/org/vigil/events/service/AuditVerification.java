package org.vigil.events.service;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.Json;
import org.vigil.evidence.AuditChain;

/**
 * Walks the whole audit log in chain order and recomputes every hash ({@link AuditChain}): an edited, deleted or
 * inserted row in PostgreSQL breaks the chain at that row. Pages of 5,000 rows, so memory stays flat. Blocking.
 */
@ApplicationScoped
public class AuditVerification {

    private static final int PAGE = 5_000;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** The outcome: how many entries were checked, and the first problems. */
    public record Result(boolean ok, long checked, java.util.List<String> problems) {
    }

    private final Pool pool;

    public AuditVerification(Pool pool) {
        this.pool = pool;
    }

    public Result verify() {
        AuditChain.Verifier v = new AuditChain.Verifier("audit_log row", true, 20);
        long after = -1;
        while (true) {
            RowSet<Row> rows = pool.preparedQuery("""
                    select seq, id, at, service, actor, action, target, site, outcome, details::text as details,
                           prev_hash, hash
                    from events.audit_log where seq > $1 order by seq limit $2""")
                    .execute(Tuple.of(after, PAGE)).await().atMost(TIMEOUT);
            if (rows.size() == 0) {
                break;
            }
            for (Row r : rows) {
                v.accept(link(r));
                after = r.getLong("seq");
            }
        }
        return new Result(v.problems().isEmpty(), v.checked(), v.problems());
    }

    @SuppressWarnings("unchecked")
    static AuditChain.Link link(Row r) {
        Map<String, String> details = Json.read(r.getString("details").getBytes(StandardCharsets.UTF_8), Map.class);
        return new AuditChain.Link(r.getLong("seq"), new AuditEntry(AuditEntry.VERSION, r.getUUID("id").toString(),
                r.getOffsetDateTime("at").toInstant(), r.getString("service"), r.getString("actor"),
                r.getString("action"), r.getString("target"), r.getString("site"), r.getString("outcome"), details),
                r.getString("prev_hash"), r.getString("hash"));
    }
}
