package org.vigil.runtime.db;

import java.time.Duration;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * One holder at a time across every instance of a service: a PostgreSQL session-level advisory lock, held on one
 * connection of the pool for as long as the work runs (released when it ends, or when the connection dies with its
 * process). Blocking.
 */
public final class AdvisoryLock {

    private AdvisoryLock() {
    }

    /**
     * Runs {@code work} only if this caller gets the lock named {@code name}; returns false at once, without running
     * it, when another holder has it.
     */
    public static boolean tryRun(Pool pool, String name, Duration timeout, Runnable work) {
        SqlConnection c = pool.getConnection().await().atMost(timeout);
        try {
            boolean got = c.preparedQuery("select pg_try_advisory_lock(hashtext($1))").execute(Tuple.of(name))
                    .await().atMost(timeout).iterator().next().getBoolean(0);
            if (!got) {
                return false;
            }
            try {
                work.run();
            } finally {
                c.preparedQuery("select pg_advisory_unlock(hashtext($1))").execute(Tuple.of(name)).await()
                        .atMost(timeout);
            }
            return true;
        } finally {
            c.close().await().atMost(timeout);
        }
    }
}
