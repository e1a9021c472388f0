package org.vigil.gateway.security;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Every browser session has a row in {@code identity.sessions}; its id travels in the session token ({@code sid}).
 * Ending a session (sign-out, sign-out everywhere, a password reset, a disabled account, a change of role or sites)
 * stamps the row. Each gateway keeps the ids of the ended sessions whose tokens have not expired yet in memory, so a
 * request's check costs no query, and reads the table for sessions ended by any gateway: a session ended anywhere is
 * refused everywhere within about a second. The listeners (the live WebSocket clients) hear of every ended session,
 * so its sockets close too.
 *
 * <p>How a gateway hears of ends (design 0032): a stamp fires a trigger that NOTIFYs {@code vigil_session_ended};
 * each gateway LISTENs on a connection of its own and reads the new ends when told. It also reads them when its
 * listening connection comes back (ends made while it was away), and every {@link #SAFETY_POLL} whatever it heard (a
 * notice lost on a connection that died without a word). While it cannot listen it reads them every
 * {@link #FALLBACK_POLL}, as every gateway did before. An idle gateway thus asks PostgreSQL nothing for a minute,
 * where it asked every second.
 *
 * <p>If PostgreSQL cannot be reached, the ended sessions known so far stay ended; sessions ended meanwhile are
 * picked up once it answers again (a read covers everything since the last successful one).
 */
@ApplicationScoped
public class SessionRegistry {

    private static final Logger LOG = Logger.getLogger(SessionRegistry.class);
    /** How often a gateway that listens reads the ends anyway. */
    static final Duration SAFETY_POLL = Duration.ofSeconds(60);
    /** How often a gateway that cannot listen reads the ends. */
    static final Duration FALLBACK_POLL = Duration.ofSeconds(1);
    /** The channel the trigger on {@code identity.sessions} notifies (migration V7). */
    static final String CHANNEL = "vigil_session_ended";
    /** Rows of sessions whose tokens expired this long ago are deleted. */
    private static final Duration KEEP_ROWS = Duration.ofDays(1);

    /** Why sessions end; stored with the row and given as the WebSocket close reason. */
    public enum End {
        SIGNED_OUT("signed out"), SIGNED_OUT_EVERYWHERE("signed out everywhere"), PASSWORD_CHANGED("password changed"),
        DISABLED("account disabled"), ACCESS_CHANGED("role or sites changed");

        public final String text;

        End(String text) {
            this.text = text;
        }
    }

    private final Pool pool;
    private final Vertx vertx;
    private final InstantSource clock;
    /**
     * Ended sessions whose tokens could still be presented: id -> the latest any of its tokens can expire (its
     * sign-in plus the absolute session length: renewals never go past that, whatever reached the database).
     */
    private final Map<String, Instant> ended = new ConcurrentHashMap<>();
    /** When each session known here currently expires (renewals move it), for sockets that outlive a token. */
    private final Map<String, Instant> expiry = new ConcurrentHashMap<>();
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    /** The database's clock at the last successful poll: every end stamped after it is still to be read. */
    private volatile OffsetDateTime polledUpTo;
    /** A read is under way; {@link #pollAgain}: one more was asked for meanwhile. */
    private final AtomicBoolean polling = new AtomicBoolean();
    private volatile boolean pollAgain;
    private final PgSubscriber subscriber;
    /** The LISTEN of the subscriber's current connection is in place. */
    private volatile boolean listening;
    private volatile boolean stopped;
    private long timer = -1;
    private long lastPrune;

    private final Duration sessionLength;

    public SessionRegistry(Pool pool, Vertx vertx, InstantSource clock, org.vigil.gateway.config.GatewayConfig config,
            @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username") String user,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.sessionLength = config.sessionLength();
        this.pool = pool;
        this.vertx = vertx;
        this.clock = clock;
        PgConnectOptions options = PgConnectOptions.fromUri(url).setUser(user).setTcpKeepAlive(true)
                // named, so that an operator can tell it in pg_stat_activity
                .addProperty("application_name", "vigil-gateway-sessions");
        password.ifPresent(options::setPassword);
        this.subscriber = PgSubscriber.subscriber(io.vertx.mutiny.core.Vertx.newInstance(vertx), options)
                // a lost connection is opened again a second later, for as long as it takes; meanwhile this gateway
                // reads the ends every second (the subscriber asks this as soon as its connection is lost)
                .reconnectPolicy(retries -> {
                    if (retries == 0) {
                        listening = false;
                        vertx.runOnContext(v -> schedule());
                    }
                    return FALLBACK_POLL.toMillis();
                });
        subscriber.channel(CHANNEL).subscribeHandler(() -> {
            listening = true;
            poll(); // ends made while this gateway was not listening
            schedule();
        }).handler(payload -> poll());
    }

    void start(@Observes StartupEvent e) {
        // what the tokens still in circulation may name; then follow every end from the database's "now" on
        RowSet<Row> rows = pool.preparedQuery("""
                select id, created_at, now() as db_now from identity.sessions
                where ended_at is not null and created_at > $1
                union all select null, null, now()""").execute(Tuple.of(clock.instant().minus(sessionLength)
                .minusSeconds(60).atOffset(ZoneOffset.UTC))).await().atMost(Duration.ofSeconds(30));
        for (Row r : rows) {
            if (r.getString("id") != null) {
                ended.put(r.getString("id"), lastExpiry(r));
            }
            polledUpTo = r.getOffsetDateTime("db_now");
        }
        listen();
        schedule();
    }

    void stop(@Observes ShutdownEvent e) {
        stopped = true;
        cancelTimer();
        subscriber.closeAndForget();
    }

    private void listen() {
        subscriber.connect().subscribe().with(ok -> {
        }, failure -> {
            // a first connection that fails is not retried by the subscriber: the timer asks again
            LOG.debugf("cannot listen for ended sessions yet: %s", failure.getMessage());
            subscriber.closeAndForget();
        });
    }

    /** Whether this gateway hears of ends as they happen: its LISTEN is in place on a live connection. */
    public boolean listening() {
        return listening;
    }

    /** The next read: soon while this gateway cannot listen, else the safety read. */
    private synchronized void schedule() {
        cancelTimer();
        if (!stopped) {
            timer = vertx.setTimer((listening() ? SAFETY_POLL : FALLBACK_POLL).toMillis(), id -> tick());
        }
    }

    private synchronized void cancelTimer() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    private void tick() {
        if (!listening && subscriber.closed()) {
            listen();
        }
        poll();
        schedule();
    }

    /** Hears of every session that ends, here or at another gateway (called with the session id). */
    public void onEnded(Consumer<String> listener) {
        listeners.add(listener);
    }

    /** Records a new session; its id goes into the token. */
    public Uni<String> open(String username, String source, Instant expiresAt) {
        String id = Sessions.randomSecret();
        expiry.put(id, expiresAt);
        return pool.preparedQuery("insert into identity.sessions (id, username, source, expires_at) values ($1, $2, $3, $4)")
                .execute(Tuple.of(id, username, source, expiresAt.atOffset(ZoneOffset.UTC))).replaceWith(id);
    }

    /** Whether a session may be used: it has not ended (no query: from memory). */
    public boolean active(String sessionId) {
        return sessionId != null && !ended.containsKey(sessionId);
    }

    /** The session was renewed here: its row's end moves (for sockets on other gateways), best effort. */
    public void renewed(String sessionId, Instant expiresAt) {
        expiry.put(sessionId, expiresAt);
        pool.preparedQuery("update identity.sessions set expires_at = $2 where id = $1 and ended_at is null")
                .execute(Tuple.of(sessionId, expiresAt.atOffset(ZoneOffset.UTC))).subscribe().with(ok -> {
                }, failure -> LOG.debugf("session renewal not stored: %s", failure.getMessage()));
    }

    /**
     * When the session ends at the latest as far as any gateway renewed it: from memory while that is in the future,
     * else from its row (another gateway may have renewed it). Empty when it ended or is unknown.
     */
    public Uni<Optional<Instant>> expiresAt(String sessionId) {
        Instant known = expiry.get(sessionId);
        if (!active(sessionId)) {
            return Uni.createFrom().item(Optional.empty());
        }
        if (known != null && known.isAfter(clock.instant())) {
            return Uni.createFrom().item(Optional.of(known));
        }
        return pool.preparedQuery("select expires_at from identity.sessions where id = $1 and ended_at is null")
                .execute(Tuple.of(sessionId)).map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return Optional.<Instant>empty();
                    }
                    Instant at = rows.iterator().next().getOffsetDateTime(0).toInstant();
                    expiry.put(sessionId, at);
                    return Optional.of(at);
                });
    }

    /** Ends one session (sign-out). */
    public Uni<Void> end(String sessionId, End why) {
        return endWhere("id = $1", sessionId, why).replaceWithVoid();
    }

    /** Ends every session of a user; returns how many were active. */
    public Uni<Integer> endAllOf(String username, End why) {
        return endWhere("username = $1", username, why);
    }

    private Uni<Integer> endWhere(String condition, String value, End why) {
        return pool.preparedQuery("update identity.sessions set ended_at = now(), end_reason = $2 where " + condition
                + " and ended_at is null returning id, created_at").execute(Tuple.of(value, why.text)).map(rows -> {
                    for (Row r : rows) {
                        markEnded(r.getString("id"), lastExpiry(r));
                    }
                    return rows.rowCount();
                });
    }

    /** The latest a token of the session in this row can expire: sign-in plus the absolute length. */
    private Instant lastExpiry(Row r) {
        return r.getOffsetDateTime("created_at").toInstant().plus(sessionLength);
    }

    private void markEnded(String id, Instant expiresAt) {
        if (ended.put(id, expiresAt) == null) {
            expiry.remove(id);
            for (Consumer<String> l : listeners) {
                try {
                    l.accept(id);
                } catch (RuntimeException e) {
                    LOG.warnf("a listener of ended sessions failed: %s", e.getMessage());
                }
            }
        }
    }

    /**
     * Reads the sessions ended since the last read (by any gateway): on the listening connection where there is one
     * (so an idle pool can close its connections), else from the pool. A read asked for while one is under way runs
     * when it ends: a notice that came during a read may stand for a row that read did not see.
     */
    void poll() {
        if (!polling.compareAndSet(false, true)) {
            pollAgain = true;
            return;
        }
        pollAgain = false;
        try {
            read(polledUpTo);
        } catch (RuntimeException e) {
            // never left marked as reading: a stuck flag would stop this gateway hearing of any end
            LOG.warnf("ended sessions not read: %s", e.getMessage());
            polled();
        }
    }

    private void read(OffsetDateTime since) {
        SqlClient connection = listening ? subscriber.actualConnection() : null;
        SqlClient client = connection != null ? connection : pool;
        client.preparedQuery("""
                select id, created_at, now() as db_now from identity.sessions where ended_at >= $1
                union all select null, null, now()""")
                // a little overlap: an end committed just after a read may carry a slightly earlier stamp
                .execute(Tuple.of(since.minusSeconds(5))).subscribe().with(rows -> {
                    OffsetDateTime upTo = since;
                    for (Row r : rows) {
                        if (r.getString("id") != null) {
                            markEnded(r.getString("id"), lastExpiry(r));
                        }
                        upTo = r.getOffsetDateTime("db_now");
                    }
                    polledUpTo = upTo;
                    polled();
                    prune();
                }, failure -> {
                    LOG.debugf("ended sessions not read: %s", failure.getMessage());
                    polled();
                });
    }

    private void polled() {
        polling.set(false);
        if (pollAgain) {
            poll();
        }
    }

    /** Forgets what no token can name any more, and (hourly) deletes old rows. */
    private void prune() {
        Instant now = clock.instant();
        ended.values().removeIf(exp -> exp.isBefore(now.minusSeconds(60)));
        expiry.values().removeIf(exp -> exp.isBefore(now.minusSeconds(60)));
        if (now.toEpochMilli() - lastPrune > Duration.ofHours(1).toMillis()) {
            lastPrune = now.toEpochMilli();
            pool.preparedQuery("delete from identity.sessions where expires_at < $1")
                    .execute(Tuple.of(now.minus(KEEP_ROWS).atOffset(ZoneOffset.UTC))).subscribe().with(ok -> {
                    }, failure -> LOG.debugf("old sessions not deleted: %s", failure.getMessage()));
        }
    }
}
