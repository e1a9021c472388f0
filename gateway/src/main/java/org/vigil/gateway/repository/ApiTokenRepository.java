package org.vigil.gateway.repository;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.gateway.ApiToken;

/** API tokens in {@code identity.api_tokens}. Lookups for authentication are reactive; admin calls block. */
@ApplicationScoped
public class ApiTokenRepository {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** The token's columns, and whether its creator is a local account that is disabled or no admin any more. */
    private static final String COLUMNS = "t.id, t.name, t.secret_hash, t.role, t.sites, t.created_at, t.created_by, "
            + "t.expires_at, t.last_used_at, t.revoked_at, "
            + "coalesce(u.disabled or u.role <> 'admin', false) as creator_withdrawn";
    private static final String FROM = " from identity.api_tokens t left join identity.users u "
            + "on u.username = t.created_by";

    private final Pool pool;

    public ApiTokenRepository(Pool pool) {
        this.pool = pool;
    }

    public Uni<Optional<ApiToken>> find(String id) {
        return pool.preparedQuery("select " + COLUMNS + FROM + " where t.id = $1")
                .execute(Tuple.of(id)).map(rows -> rows.iterator().hasNext()
                        ? Optional.of(token(rows.iterator().next()))
                        : Optional.empty());
    }

    public Uni<Void> touch(String id, Instant at) {
        return pool.preparedQuery("update identity.api_tokens set last_used_at = $2 where id = $1")
                .execute(Tuple.of(id, at.atOffset(ZoneOffset.UTC))).replaceWithVoid();
    }

    /** Stores a new token and, in the same transaction, what {@code alongside} writes (its audit entry). */
    public void insert(ApiToken t, Function<SqlConnection, Uni<Void>> alongside) {
        pool.withTransaction(c -> c.preparedQuery("""
                insert into identity.api_tokens (id, name, secret_hash, role, sites, created_at, created_by, expires_at)
                values ($1, $2, $3, $4, $5, $6, $7, $8)""")
                .execute(Tuple.tuple().addValue(t.id()).addValue(t.name()).addValue(t.secretHash())
                        .addValue(t.role()).addValue(t.sites().toArray(String[]::new))
                        .addValue(t.createdAt().atOffset(ZoneOffset.UTC)).addValue(t.createdBy())
                        .addValue(t.expiresAt() == null ? null : t.expiresAt().atOffset(ZoneOffset.UTC)))
                .chain(() -> alongside.apply(c)))
                .await().atMost(TIMEOUT);
    }

    public List<ApiToken> all() {
        List<ApiToken> out = new ArrayList<>();
        pool.query("select " + COLUMNS + FROM + " order by t.created_at desc").execute()
                .await().atMost(TIMEOUT).forEach(r -> out.add(token(r)));
        return out;
    }

    /**
     * Revokes a token that is not revoked yet; returns whether it did. What {@code alongside} writes (its audit entry)
     * commits with the revocation, and only when there was one.
     */
    public boolean revoke(String id, String by, Instant at, Function<SqlConnection, Uni<Void>> alongside) {
        return pool.withTransaction(c -> c.preparedQuery("""
                update identity.api_tokens set revoked_at = $3, revoked_by = $2
                where id = $1 and revoked_at is null""")
                .execute(Tuple.of(id, by, at.atOffset(ZoneOffset.UTC)))
                .chain(r -> r.rowCount() == 1 ? alongside.apply(c).replaceWith(true) : Uni.createFrom().item(false)))
                .await().atMost(TIMEOUT);
    }

    private static ApiToken token(Row r) {
        return new ApiToken(r.getString("id"), r.getString("name"), r.getString("secret_hash"), r.getString("role"),
                Arrays.asList(r.getArrayOfStrings("sites")), instant(r, "created_at"), r.getString("created_by"),
                instant(r, "expires_at"), instant(r, "last_used_at"), instant(r, "revoked_at"),
                r.getBoolean("creator_withdrawn"));
    }

    private static Instant instant(Row r, String column) {
        OffsetDateTime t = r.getOffsetDateTime(column);
        return t == null ? null : t.toInstant();
    }
}
