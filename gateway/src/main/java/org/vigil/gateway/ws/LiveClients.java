package org.vigil.gateway.ws;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;
import org.vigil.contracts.Access;
import org.vigil.gateway.service.EventServiceClient;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.buffer.Buffer;
import jakarta.enterprise.context.ApplicationScoped;

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
    /** Close code for a client that reads too slowly (application range 4000-4999). */
    public static final int TOO_SLOW = 4008;

    static final class Client {
        final WebSocketConnection connection;
        final List<String> sites;
        final String token;
        final AtomicInteger pending = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicLong pendingBytes = new java.util.concurrent.atomic.AtomicLong();
        /** Cameras whose live video this client shows now. */
        volatile Set<String> watching = Set.of();
        /** Video bytes handed to the socket and not yet written: frames are skipped while this is high. */
        final java.util.concurrent.atomic.AtomicLong pendingVideo = new java.util.concurrent.atomic.AtomicLong();
        /** Changes that arrived before the snapshot was sent; {@code null} once live. */
        ArrayDeque<String> early = new ArrayDeque<>();

        Client(WebSocketConnection connection, List<String> sites, String token) {
            this.connection = connection;
            this.sites = List.copyOf(sites);
            this.token = token;
        }
    }

    private final Map<String, Client> clients = new ConcurrentHashMap<>();
    private final EventServiceClient events;
    private final MeterRegistry metrics;
    private final io.micrometer.core.instrument.Counter framesSkipped;

    public LiveClients(EventServiceClient events, MeterRegistry metrics) {
        this.events = events;
        this.metrics = metrics;
        // held strongly: Micrometer keeps gauge objects weakly, and this one went missing from the scrape
        io.micrometer.core.instrument.Gauge.builder("vigil_gateway_websocket_clients", clients, Map::size)
                .description("browsers connected to /ws").strongReference(true).register(metrics);
        this.framesSkipped = metrics.counter("vigil_gateway_live_frames_skipped_total");
    }

    /** A new client: its snapshot is fetched now; changes wait until it is sent. */
    void add(WebSocketConnection c, List<String> sites, String token) {
        Client client = new Client(c, sites, token);
        clients.put(c.id(), client);
        sendSnapshot(client);
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
        events.liveSnapshot(c.token).subscribe().with(body -> {
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
        if (clients.remove(c.connection.id()) != null) {
            metrics.counter("vigil_gateway_websocket_dropped_total", "reason", "too_slow").increment();
            LOG.infof("closing a live client that reads too slowly (%d messages waiting)", c.pending.get());
            c.connection.close(new CloseReason(TOO_SLOW, "too slow: messages were piling up; reconnect"))
                    .subscribe().with(ok -> {
                    }, failure -> {
                    });
        }
    }

    /** The cameras a client wants live video of (replacing its previous choice). */
    void watch(WebSocketConnection c, Set<String> cameras) {
        Client client = clients.get(c.id());
        if (client != null) {
            client.watching = Set.copyOf(cameras);
        }
    }

    /**
     * Sends a live video frame to the clients watching {@code camera} and allowed to see {@code site}. Video is
     * never queued: while a client still has {@value #MAX_PENDING_VIDEO} bytes of frames unwritten, it skips frames
     * (the next one shows the present, which is what live view is for).
     */
    public void frame(String camera, String site, Buffer message) {
        for (Client c : clients.values()) {
            if (!c.watching.contains(camera) || !Access.siteAllowed(c.sites, site) || !c.connection.isOpen()) {
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

    /** Whether anyone on this gateway watches {@code camera}. */
    public boolean watched(String camera) {
        return clients.values().stream().anyMatch(c -> c.watching.contains(camera));
    }

    public int size() {
        return clients.size();
    }
}
