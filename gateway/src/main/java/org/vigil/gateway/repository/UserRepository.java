package org.vigil.gateway.repository;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.gateway.User;

/** Local accounts in {@code identity.users}. Blocking calls: use from worker threads only. */
@ApplicationScoped
public class UserRepository {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static final String COLUMNS = "username, password_hash, role, sites, disabled, created_at, created_by";

    private final Pool pool;

    public UserRepository(Pool pool) {
        this.pool = pool;
    }

    public long count() {
        return pool.query("select count(*) from identity.users").execute().await().atMost(TIMEOUT).iterator().next()
                .getLong(0);
    }

    public Optional<User> find(String username) {
        return findAsync(username).await().atMost(TIMEOUT);
    }

    public Uni<Optional<User>> findAsync(String username) {
        return pool.preparedQuery("select " + COLUMNS + " from identity.users where username = $1")
                .execute(Tuple.of(username))
                .map(rows -> rows.iterator().hasNext() ? Optional.of(user(rows.iterator().next())) : Optional.empty());
    }

    public List<User> all() {
        List<User> out = new ArrayList<>();
        pool.query("select " + COLUMNS + " from identity.users order by username").execute().await().atMost(TIMEOUT)
                .forEach(r -> out.add(user(r)));
        return out;
    }

    /**
     * Changes what is given (null leaves a field as it is).
     *
     * What {@code alongside} writes (the change's audit entry) commits with the change, and only when there was one.
     *
     * @return the account after the change, or empty when there is none
     */
    public Optional<User> update(String username, String role, List<String> sites, Boolean disabled,
            String passwordHash, String by, Function<SqlConnection, Uni<Void>> alongside) {
        RowSet<Row> rows = pool.withTransaction(c -> c.preparedQuery("""
                update identity.users set
                    role = coalesce($2, role),
                    sites = coalesce($3, sites),
                    disabled = coalesce($4, disabled),
                    password_hash = coalesce($5, password_hash),
                    updated_at = now(), updated_by = $6
                where username = $1
                returning """ + " " + COLUMNS)
                .execute(Tuple.tuple().addValue(username).addValue(role)
                        .addValue(sites == null ? null : sites.toArray(String[]::new)).addValue(disabled)
                        .addValue(passwordHash).addValue(by))
                .call(r -> r.iterator().hasNext() ? alongside.apply(c) : Uni.createFrom().voidItem()))
                .await().atMost(TIMEOUT);
        return rows.iterator().hasNext() ? Optional.of(user(rows.iterator().next())) : Optional.empty();
    }

    private static User user(Row r) {
        return new User(r.getString("username"), r.getString("password_hash"), r.getString("role"),
                Arrays.asList(r.getArrayOfStrings("sites")), r.getBoolean("disabled"), instant(r, "created_at"),
                r.getString("created_by"));
    }

    private static Instant instant(Row r, String column) {
        OffsetDateTime t = r.getOffsetDateTime(column);
        return t == null ? null : t.toInstant();
    }

    /**
     * Creates the account unless one with that name exists; returns whether it was created. What {@code alongside}
     * writes (its audit entry) commits with the account, and only when it was created.
     */
    public boolean createIfAbsent(String username, String passwordHash, String role, List<String> sites,
            String createdBy, Function<SqlConnection, Uni<Void>> alongside) {
        return pool.withTransaction(c -> c.preparedQuery("""
                insert into identity.users (username, password_hash, role, sites, created_by)
                values ($1, $2, $3, $4, $5) on conflict (username) do nothing""")
                .execute(Tuple.of(username, passwordHash, role, sites.toArray(String[]::new), createdBy))
                .chain(r -> r.rowCount() == 1 ? alongside.apply(c).replaceWith(true) : Uni.createFrom().item(false)))
                .await().atMost(TIMEOUT);
    }
}
