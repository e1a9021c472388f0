package org.vigil.runtime.db;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.spi.PgDriver;
import io.vertx.sqlclient.Pool;
import org.jboss.logging.Logger;

/**
 * The reactive pool of a service whose {@code DATABASE_URL} lists a primary and its standbys (design 0017, section 4):
 * each new connection goes to whichever host is the primary now, found by asking each in turn whether it is in
 * recovery, the last primary first. After a failover (the primary gone, a standby promoted), the pool's broken
 * connections are dropped and the new ones reach the promoted server, with no restart and no configuration change.
 * Until a standby is promoted there is no primary, and a connection fails with a message that says so. With one host
 * it is the pool Quarkus would make. A service's {@code config/DatabasePool} extends this (a bean there: the services
 * without a database have no reactive client to build on).
 */
public abstract class PrimaryPool implements PgPoolCreator {

    private static final Logger LOG = Logger.getLogger(PrimaryPool.class);
    /** How long to wait for one host while looking for the primary: a host that is down must not hold up the rest. */
    static final int PROBE_CONNECT_TIMEOUT_MS = 3000;
    /**
     * How often the pool looks for connections idle past {@code quarkus.datasource.reactive.idle-timeout} (a minute
     * in every service): Vert.x looks every second, on every event loop of the pool, which woke an idle service's
     * event loops once a second each (design 0032). An idle connection now closes 60 to 75 s after its last use.
     */
    public static final int POOL_CLEANER_MS = 15_000;

    @Override
    public Pool create(Input input) {
        List<PgConnectOptions> hosts = List.copyOf(input.pgConnectOptionsList());
        Supplier<Future<PgConnectOptions>> target = hosts.size() == 1 ? () -> Future.succeededFuture(hosts.get(0))
                : new PrimaryFinder(input.vertx(), hosts);
        return PgDriver.INSTANCE.createPool(input.vertx(), target,
                input.poolOptions().setPoolCleanerPeriod(POOL_CLEANER_MS));
    }

    /** Finds the host that is not in recovery, starting with the one that was the primary last time. */
    static final class PrimaryFinder implements Supplier<Future<PgConnectOptions>> {
        private final Vertx vertx;
        private final List<PgConnectOptions> hosts;
        private final AtomicInteger last = new AtomicInteger();

        PrimaryFinder(Vertx vertx, List<PgConnectOptions> hosts) {
            this.vertx = vertx;
            this.hosts = hosts;
        }

        @Override
        public Future<PgConnectOptions> get() {
            Promise<PgConnectOptions> found = Promise.promise();
            probe(last.get(), 0, new ArrayList<>(), found);
            return found.future();
        }

        private void probe(int index, int tried, List<String> why, Promise<PgConnectOptions> found) {
            if (tried == hosts.size()) {
                found.fail(new IllegalStateException("no PostgreSQL primary among " + String.join(", ", why)
                        + " (a standby takes writes only once promoted)"));
                return;
            }
            PgConnectOptions host = hosts.get(index);
            String name = host.getHost() + ":" + host.getPort();
            PgConnectOptions probe = new PgConnectOptions(host).setConnectTimeout(PROBE_CONNECT_TIMEOUT_MS)
                    .setReconnectAttempts(0);
            int next = (index + 1) % hosts.size();
            PgConnection.connect(vertx, probe).compose(c -> c.query("select pg_is_in_recovery()").execute()
                    .map(rows -> rows.iterator().next().getBoolean(0)).eventually(v -> c.close()))
                    .onSuccess(inRecovery -> {
                        if (inRecovery) {
                            why.add(name + " is a standby");
                            probe(next, tried + 1, why, found);
                        } else {
                            if (last.getAndSet(index) != index) {
                                LOG.infof("PostgreSQL primary is now %s", name);
                            }
                            found.complete(host);
                        }
                    })
                    .onFailure(e -> {
                        why.add(name + " did not answer (" + e.getMessage() + ")");
                        probe(next, tried + 1, why, found);
                    });
        }
    }
}
