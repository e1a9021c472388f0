package org.vigil.gateway.ws;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.vigil.contracts.Access;
import org.vigil.gateway.config.GatewayConfig;
import org.vigil.gateway.security.SessionRegistry;
import org.vigil.gateway.service.ApiTokenService;
import org.vigil.gateway.service.EventServiceClient;

/**
 * The WebSocket clients of this gateway, the sites each may see, and what is on its way to each. A client first gets
 * a snapshot (the newest events and every camera status it may see, from the event service), then every change;
 * changes that arrive while its snapshot is being fetched wait and follow it. A client that does not read fast enough
 * (more than {@value #MAX_PENDING} messages or {@value #MAX_PENDING_BYTES} bytes not yet written to its socket) is
 * closed with code {@value #TOO_SLOW} instead of letting the gateway's memory grow; it may reconnect and start again
 * from a snapshot.
 */
@ApplicationScoped
@io.quarkus.runtime.Startup // its metrics exist from the start, not from the first live client
public class LiveClients {

    private static final Logger LOG = Logger.getLogger(LiveClients.class);
    static final int MAX_PENDING = 10_000;
    static final long MAX_PENDING_BYTES = 16L << 20;
    static final long MAX_PENDING_VIDEO = 1L << 20;
    /**
     * Native video bytes a client may have unwritten (all its cameras together) before its fragments are skipped to
     * the next key frame: about a second of four 4 Mbit/s main streams, or of sixteen sub-streams.
     */
    static final long MAX_PENDING_NATIVE = 2L << 20;
    /** Past this much native video unwritten, a client is closed as too slow ({@value #TOO_SLOW}). */
    static final long MAX_UNWRITTEN_NATIVE = 4 * MAX_PENDING_NATIVE;
    /** The most of one camera's current GOP kept for viewers who join it: past this they wait for the next key frame. */
    static final long MAX_GOP_CACHE = 8L << 20;
    /** Close code for a client that reads too slowly (application range 4000-4999). */
    public static final int TOO_SLOW = 4008;
    /** Close code: the session (or the bearer token) the socket was opened with has expired; sign in again. */
    public static final int EXPIRED = 4401;
    /** Close code: the session was ended (signed out, password reset, account disabled, access changed). */
    public static final int ENDED = 4403;
    /** Close code: the client answered no ping for {@link GatewayConfig#wsSilenceLimit()} (a half-open socket). */
    public static final int SILENT = 4408;

    /** Who a socket speaks for, and how to tell that it must close. */
    record Owner(List<String> sites, String sessionId, String apiTokenId, Instant expiresAt,
            Supplier<String> backendToken) {
    }

    private final List<Runnable> onWatch = new java.util.concurrent.CopyOnWriteArrayList<>();

    static final class Client {
        final WebSocketConnection connection;
        final List<String> sites;
        final Owner owner;
        /** When its credentials end, as far as known (a renewal elsewhere moves a session's end). */
        volatile Instant expiresAt;
        /** The last sign of life: a pong, a message, or the opening. */
        volatile long lastHeardNanos = System.nanoTime();
        final AtomicInteger pending = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicLong pendingBytes = new java.util.concurrent.atomic.AtomicLong();
        /** Cameras whose live video this client shows now. */
        volatile Set<String> watching = Set.of();
        /** Of those, the ones it shows natively (fMP4), each with where its stream stands. */
        final Map<String, NativeView> natives = new ConcurrentHashMap<>();
        /** Native video bytes handed to the socket and not yet written. */
        final java.util.concurrent.atomic.AtomicLong pendingNative = new java.util.concurrent.atomic.AtomicLong();
        /** Video bytes handed to the socket and not yet written: frames are skipped while this is high. */
        final java.util.concurrent.atomic.AtomicLong pendingVideo = new java.util.concurrent.atomic.AtomicLong();
        /** Changes that arrived before the snapshot was sent; {@code null} once live. */
        ArrayDeque<String> early = new ArrayDeque<>();

        Client(WebSocketConnection connection, Owner owner) {
            this.connection = connection;
            this.sites = List.copyOf(owner.sites());
            this.owner = owner;
            this.expiresAt = owner.expiresAt();
        }
    }

    /** One client's native stream of one camera: skipping to the next key frame, and how many it skipped. */
    static final class NativeView {
        /** Which of the camera's streams it shows: its sub-stream (the grid) or its main stream. */
        final boolean sub;
        boolean waitKey;
        long skipped;

        NativeView(boolean sub) {
            this.sub = sub;
        }
    }

    /** One native stream a gateway relays: a camera's main stream, or its sub-stream ({@code sub}). */
    public record NativeStream(String camera, boolean sub) {
    }

    /**
     * What this gateway holds of a camera's native stream for viewers who join it: its init segment (or that it is
     * not sent natively) and the fragments since its last key frame (at most {@value #MAX_GOP_CACHE} bytes).
     */
    static final class Feed {
        Buffer init;
        Buffer unsupported;
        final List<Buffer> gop = new java.util.ArrayList<>();
        long gopBytes;
        boolean gopComplete;
    }

    private final Map<String, Client> clients = new ConcurrentHashMap<>();
    private final Map<NativeStream, Feed> feeds = new ConcurrentHashMap<>();
    private final EventServiceClient events;
    private final MeterRegistry metrics;
    private final io.micrometer.core.instrument.Counter framesSkipped;
    private final io.micrometer.core.instrument.Counter nativeSkipped;
    /** The site of a camera, as the registry says (null: unknown). */
    private final java.util.function.Function<String, String> siteOf;
    /** Whether the registry gives a camera a sub-stream. */
    private final java.util.function.Predicate<String> hasSubStream;

    private final SessionRegistry sessions;
    private final ApiTokenService apiTokens;
    private final InstantSource clock;
    private final Duration silenceLimit;
    private final Vertx vertx;
    /** The once-a-second sweep, while any socket is open (-1: none). */
    private long sweeper = -1;
    private boolean stopped;
    private long sweeps;

    public LiveClients(EventServiceClient events, MeterRegistry metrics, SessionRegistry sessions,
            ApiTokenService apiTokens, InstantSource clock, GatewayConfig config, Vertx vertx,
            org.vigil.gateway.messaging.CameraRegistry cameras) {
        this.siteOf = camera -> cameras.get(camera).map(org.vigil.contracts.CameraConfig::site).orElse(null);
        this.hasSubStream = camera -> cameras.get(camera).map(c -> c.subStreamUrl() != null
                && !c.subStreamUrl().isBlank()).orElse(false);
        this.events = events;
        this.metrics = metrics;
        this.sessions = sessions;
        this.apiTokens = apiTokens;
        this.clock = clock;
        this.silenceLimit = config.wsSilenceLimit();
        this.vertx = vertx;
        sessions.onEnded(this::sessionEnded);
        // held strongly: Micrometer keeps gauge objects weakly, and this one went missing from the scrape
        io.micrometer.core.instrument.Gauge.builder("vigil_gateway_websocket_clients", clients, Map::size)
                .description("browsers connected to /ws").strongReference(true).register(metrics);
        this.framesSkipped = metrics.counter("vigil_gateway_live_frames_skipped_total");
        this.nativeSkipped = metrics.counter("vigil_gateway_live_fragments_skipped_total");
    }

    void stop(@Observes ShutdownEvent e) {
        synchronized (this) {
            stopped = true;
            if (sweeper >= 0) {
                vertx.cancelTimer(sweeper);
                sweeper = -1;
            }
        }
    }

    /**
     * Calls {@code listener} whenever a client says what it watches (on the caller's thread: it must return at
     * once).
     */
    public void onWatch(Runnable listener) {
        onWatch.add(listener);
    }

    /** A new client: its snapshot is fetched now; changes wait until it is sent. */
    void add(WebSocketConnection c, Owner owner) {
        Client client = new Client(c, owner);
        clients.put(c.id(), client);
        synchronized (this) {
            // the sweep runs while someone is connected (design 0032): an idle gateway's loop sleeps
            if (sweeper < 0 && !stopped) {
                sweeper = vertx.setPeriodic(1000, id -> sweep());
            }
        }
        sendSnapshot(client);
    }

    /** The client showed it is alive (a pong or a message). */
    void heard(WebSocketConnection c) {
        Client client = clients.get(c.id());
        if (client != null) {
            client.lastHeardNanos = System.nanoTime();
        }
    }

    /** Every socket of a session that ended (here or on another gateway) closes now. */
    private void sessionEnded(String sessionId) {
        for (Client c : clients.values()) {
            if (sessionId.equals(c.owner.sessionId())) {
                close(c, ENDED, "session ended", "ended");
            }
        }
    }

    /**
     * Once a second: closes sockets whose session ended or expired, whose bearer token expired, whose API token was
     * revoked (checked every 5 s), or that answered no ping within the silence limit.
     */
    void sweep() {
        Instant now = clock.instant();
        long nanos = System.nanoTime();
        boolean checkTokens = sweeps++ % 5 == 0;
        for (Client c : clients.values()) {
            Owner o = c.owner;
            if (nanos - c.lastHeardNanos > silenceLimit.toNanos()) {
                close(c, SILENT, "no answer to pings", "silent");
            } else if (o.sessionId() != null) {
                if (!sessions.active(o.sessionId())) {
                    close(c, ENDED, "session ended", "ended");
                } else if (!now.isBefore(c.expiresAt)) {
                    sessions.expiresAt(o.sessionId()).subscribe().with(at -> {
                        if (at.isPresent() && at.get().isAfter(clock.instant())) {
                            c.expiresAt = at.get();
                        } else {
                            close(c, EXPIRED, "session expired: sign in again", "expired");
                        }
                    }, failure -> LOG.debugf("session expiry not checked: %s", failure.getMessage()));
                }
            } else if (o.apiTokenId() != null) {
                if (checkTokens) {
                    apiTokens.stillValid(o.apiTokenId()).subscribe().with(valid -> {
                        if (!valid) {
                            close(c, ENDED, "API token revoked or no longer valid", "ended");
                        }
                    }, failure -> LOG.debugf("API token not checked: %s", failure.getMessage()));
                }
            } else if (o.expiresAt() != null && !now.isBefore(o.expiresAt())) {
                close(c, EXPIRED, "token expired: connect again with a fresh one", "expired");
            }
        }
        synchronized (this) {
            if (clients.isEmpty() && sweeper >= 0) { // a client added meanwhile starts a new one
                vertx.cancelTimer(sweeper);
                sweeper = -1;
            }
        }
    }

    /** Whether the sweep is scheduled (it is while any socket is open). */
    synchronized boolean sweeping() {
        return sweeper >= 0;
    }

    private void close(Client c, int code, String reason, String metric) {
        if (clients.remove(c.connection.id()) != null) {
            metrics.counter("vigil_gateway_websocket_dropped_total", "reason", metric).increment();
            c.connection.close(new CloseReason(code, reason)).subscribe().with(ok -> {
            }, failure -> {
            });
        }
    }

    void remove(WebSocketConnection c) {
        clients.remove(c.id());
    }

    /** Sends {@code json} to every client allowed to see {@code site}. */
    public void send(String site, String json) {
        for (Client c : clients.values()) {
            if (Access.siteAllowed(c.sites, site) && c.connection.isOpen()) {
                deliver(c, json);
            }
        }
    }

    /**
     * Sends {@code json} to one client, counted with its other messages: a client that sends requests without
     * reading the answers is closed as too slow ({@value #TOO_SLOW}) like any other, never queued without bound.
     */
    void answer(WebSocketConnection connection, String json) {
        Client c = clients.get(connection.id());
        if (c != null) {
            deliver(c, json);
        }
    }

    /** Sends a message to every client (a status of the live feed itself). */
    public void broadcast(String json) {
        clients.values().forEach(c -> deliver(c, json));
    }

    /** Every client starts again from a fresh snapshot (after the live feed was interrupted). */
    public void resnapshot() {
        for (Client c : clients.values()) {
            synchronized (c) {
                if (c.early == null) {
                    c.early = new ArrayDeque<>();
                }
            }
            sendSnapshot(c);
        }
    }

    private void sendSnapshot(Client c) {
        events.liveSnapshot(c.owner.backendToken().get()).subscribe().with(body -> {
            push(c, "{\"v\":1,\"type\":\"snapshot\"," + body.substring(body.indexOf('{') + 1));
            goLive(c);
        }, failure -> {
            LOG.warnf("snapshot for a live client unavailable: %s", failure.getMessage());
            push(c, "{\"v\":1,\"type\":\"status\",\"live\":\"degraded\",\"message\":\"recent events could not be "
                    + "loaded; new ones follow as they happen\"}");
            goLive(c);
        });
    }

    private void goLive(Client c) {
        synchronized (c) {
            ArrayDeque<String> waiting = c.early;
            c.early = null;
            if (waiting != null) {
                waiting.forEach(m -> push(c, m));
            }
        }
    }

    private void deliver(Client c, String json) {
        synchronized (c) {
            if (c.early != null) {
                if (c.early.size() < MAX_PENDING) {
                    c.early.add(json);
                } else {
                    tooSlow(c);
                }
                return;
            }
        }
        push(c, json);
    }

    private void push(Client c, String json) {
        if (!c.connection.isOpen()) {
            clients.remove(c.connection.id());
            return;
        }
        long bytes = json.length();
        if (c.pending.incrementAndGet() > MAX_PENDING || c.pendingBytes.addAndGet(bytes) > MAX_PENDING_BYTES) {
            tooSlow(c);
            return;
        }
        c.connection.sendText(json).subscribe().with(ok -> {
            c.pending.decrementAndGet();
            c.pendingBytes.addAndGet(-bytes);
        }, failure -> {
            c.pending.decrementAndGet();
            c.pendingBytes.addAndGet(-bytes);
            clients.remove(c.connection.id());
        });
    }

    private void tooSlow(Client c) {
        if (clients.containsKey(c.connection.id())) {
            LOG.infof("closing a live client that reads too slowly (%d messages waiting)", c.pending.get());
        }
        close(c, TOO_SLOW, "too slow: messages were piling up; reconnect", "too_slow");
    }

    /** As {@link #watch(WebSocketConnection, Set, Set, Set)}, every native one from its main stream. */
    Set<String> watch(WebSocketConnection c, Set<String> wanted, Set<String> natively) {
        return watch(c, wanted, natively, Set.of());
    }

    /**
     * The cameras a client wants live video of (replacing its previous choice), of those the ones it shows natively,
     * and of those the ones it shows from their sub-stream (a camera without one: from its main stream). A camera newly
     * shown natively, or from the other of its streams, gets at once what this gateway holds of that stream: the init
     * segment and the fragments since the last key frame. Returns the cameras refused: unknown, or of a site the client
     * may not see.
     */
    Set<String> watch(WebSocketConnection c, Set<String> wanted, Set<String> natively, Set<String> subs) {
        Client client = clients.get(c.id());
        if (client == null) {
            return Set.of();
        }
        // a camera this gateway does not know, or one of a site the client may not see, is refused alike (which of
        // the two is not disclosed) and nothing is kept of it
        Set<String> cameras = new java.util.HashSet<>();
        Set<String> refused = new java.util.TreeSet<>();
        for (String camera : wanted) {
            String site = siteOf.apply(camera);
            if (site != null && Access.siteAllowed(client.sites, site)) {
                cameras.add(camera);
            } else {
                refused.add(camera);
            }
        }
        client.watching = Set.copyOf(cameras);
        onWatch.forEach(Runnable::run);
        client.natives.keySet().removeIf(camera -> !natively.contains(camera) || !cameras.contains(camera));
        for (String camera : natively) {
            if (!cameras.contains(camera)) {
                continue;
            }
            boolean sub = subs.contains(camera) && hasSubStream.test(camera);
            NativeView was = client.natives.get(camera);
            if (was == null || was.sub != sub) {
                NativeView view = new NativeView(sub);
                client.natives.put(camera, view);
                joined(client, camera, view);
            }
        }
        return refused;
    }

    /** A client newly showing {@code camera} natively: what is held of its stream, if anything yet. */
    private void joined(Client c, String camera, NativeView view) {
        Feed f = feeds.get(new NativeStream(camera, view.sub));
        String site = siteOf.apply(camera);
        if (f == null || site == null || !Access.siteAllowed(c.sites, site)) {
            return; // the stream starts for it (its init comes with the first key frame)
        }
        List<Buffer> burst = new java.util.ArrayList<>();
        synchronized (f) {
            if (f.unsupported != null) {
                burst.add(f.unsupported);
            } else if (f.init != null) {
                burst.add(f.init);
                // the GOP so far, unless it was too large to hold or this client has too much unwritten already (a
                // client toggling its watch must not make the gateway queue a GOP each time): then the next key frame
                if (f.gopComplete && c.pendingNative.get() + f.gopBytes <= MAX_PENDING_NATIVE) {
                    burst.addAll(f.gop);
                } else {
                    view.waitKey = true;
                }
            }
        }
        for (Buffer b : burst) {
            sendNative(c, b);
        }
    }

    /**
     * One message of {@code camera}'s native stream from its site's recorder ({@code LiveFrame}: init, fmp4 or
     * unsupported), for the clients showing it natively and allowed to see {@code site}. A client with
     * {@value #MAX_PENDING_NATIVE} bytes unwritten skips fragments until the next key frame, which then carries how
     * many it skipped; an init or an unsupported message always goes.
     */
    public void nativeMessage(String camera, String site, Buffer message, org.vigil.contracts.LiveFrame.Header h) {
        nativeMessage(new NativeStream(camera, false), site, message, h);
    }

    /** As {@link #nativeMessage(String, String, Buffer, org.vigil.contracts.LiveFrame.Header)}, of either stream. */
    public void nativeMessage(NativeStream stream, String site, Buffer message,
            org.vigil.contracts.LiveFrame.Header h) {
        String camera = stream.camera();
        Feed f = feeds.computeIfAbsent(stream, k -> new Feed());
        synchronized (f) {
            switch (h.kind()) {
                case org.vigil.contracts.LiveFrame.INIT -> {
                    f.init = message;
                    f.unsupported = null;
                    f.gop.clear();
                    f.gopBytes = 0;
                    f.gopComplete = false;
                }
                case org.vigil.contracts.LiveFrame.UNSUPPORTED -> {
                    f.unsupported = message;
                    f.init = null;
                    f.gop.clear();
                    f.gopBytes = 0;
                }
                case org.vigil.contracts.LiveFrame.FMP4 -> {
                    if (h.key()) {
                        f.gop.clear();
                        f.gopBytes = 0;
                        f.gopComplete = true;
                    }
                    if (f.gopComplete && f.gopBytes + message.length() <= MAX_GOP_CACHE) {
                        f.gop.add(message);
                        f.gopBytes += message.length();
                    } else {
                        f.gopComplete = false;
                    }
                }
                default -> {
                    return; // not a native message
                }
            }
        }
        boolean fragment = org.vigil.contracts.LiveFrame.FMP4.equals(h.kind());
        for (Client c : clients.values()) {
            NativeView view = c.natives.get(camera);
            if (view == null || view.sub != stream.sub() || !Access.siteAllowed(c.sites, site)
                    || !c.connection.isOpen()) {
                continue;
            }
            Buffer out = message;
            synchronized (view) {
                if (fragment) {
                    if (view.waitKey && !h.key()
                            || c.pendingNative.get() + message.length() > MAX_PENDING_NATIVE) {
                        view.waitKey = true;
                        view.skipped++;
                        nativeSkipped.increment();
                        continue;
                    }
                    if (view.waitKey) {
                        out = view.skipped == 0 ? message : Buffer.buffer(org.vigil.contracts.LiveFrame.withSkipped(
                                message.getBytes(), view.skipped));
                        view.waitKey = false;
                        view.skipped = 0;
                    }
                } else {
                    view.waitKey = false; // a new init: the next fragment is its key frame
                }
            }
            sendNative(c, out);
        }
    }

    private void sendNative(Client c, Buffer message) {
        long bytes = message.length();
        if (c.pendingNative.get() + bytes > MAX_UNWRITTEN_NATIVE) {
            tooSlow(c); // only inits and the like come here past the skip bound: a client that never reads
            return;
        }
        c.pendingNative.addAndGet(bytes);
        c.connection.sendBinary(message).subscribe().with(ok -> c.pendingNative.addAndGet(-bytes),
                failure -> c.pendingNative.addAndGet(-bytes));
    }

    /** A native stream starts again (a new upstream) or nobody shows it: what was held of it goes. */
    public void nativeEnded(NativeStream stream) {
        feeds.remove(stream);
    }

    /** Every native stream some client here shows. */
    public Set<NativeStream> nativeStreams() {
        Set<NativeStream> all = new java.util.HashSet<>();
        clients.values().forEach(c -> c.natives.forEach((camera, view) -> all.add(new NativeStream(camera,
                view.sub))));
        return all;
    }

    /** Every camera some client here shows as previews (watched, not natively). */
    public Set<String> previewCameras() {
        Set<String> all = new java.util.HashSet<>();
        clients.values().forEach(c -> c.watching.forEach(camera -> {
            if (!c.natives.containsKey(camera)) {
                all.add(camera);
            }
        }));
        return all;
    }

    /**
     * Sends a live video frame to the clients watching {@code camera} and allowed to see {@code site}. Video is
     * never queued: while a client still has {@value #MAX_PENDING_VIDEO} bytes of frames unwritten, it skips frames
     * (the next one shows the present, which is what live view is for).
     */
    public void frame(String camera, String site, Buffer message) {
        for (Client c : clients.values()) {
            if (!c.watching.contains(camera) || c.natives.containsKey(camera) || !Access.siteAllowed(c.sites, site)
                    || !c.connection.isOpen()) {
                continue;
            }
            long bytes = message.length();
            if (c.pendingVideo.get() + bytes > MAX_PENDING_VIDEO) {
                framesSkipped.increment();
                continue;
            }
            c.pendingVideo.addAndGet(bytes);
            c.connection.sendBinary(message.copy()).subscribe().with(ok -> c.pendingVideo.addAndGet(-bytes),
                    failure -> c.pendingVideo.addAndGet(-bytes));
        }
    }

    /** Every camera someone on this gateway watches. */
    public Set<String> watchedCameras() {
        Set<String> all = new java.util.HashSet<>();
        clients.values().forEach(c -> all.addAll(c.watching));
        return all;
    }

    /**
     * A backend token of a client that watches {@code camera} and may see {@code site}: what a site's recorder is
     * asked for the camera's live pictures with. Empty when no such client is left.
     */
    public java.util.Optional<String> watcherToken(String camera, String site) {
        for (Client c : clients.values()) {
            if (c.watching.contains(camera) && Access.siteAllowed(c.sites, site) && c.connection.isOpen()) {
                return java.util.Optional.ofNullable(c.owner.backendToken().get());
            }
        }
        return java.util.Optional.empty();
    }

    /** Whether anyone on this gateway watches {@code camera}. */
    public boolean watched(String camera) {
        return clients.values().stream().anyMatch(c -> c.watching.contains(camera));
    }

    public int size() {
        return clients.size();
    }
}
