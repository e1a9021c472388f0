package org.vigil.gateway.proxy;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.vigil.contracts.CameraConfig;
import org.vigil.gateway.config.HttpClients;
import org.vigil.gateway.messaging.CameraRegistry;
import org.vigil.gateway.ws.LiveClients;

/**
 * The live streams this gateway takes from sites' recorders, one per camera and kind, only while a browser here
 * watches: nobody watching, the stream is closed and nothing crosses the WAN.
 * <ul>
 * <li>Previews of a remote site's cameras (design 0017 §3): their JPEGs stay on the site's Kafka, so the gateway holds
 * one stream from the site's recorder ({@code GET /api/recorder/live/{camera}}) and hands each frame to the watchers
 * allowed to see the site, exactly as it does a local camera's (whose previews {@code PreviewConsumer} reads).</li>
 * <li>Native video of any camera (design 0019): {@code GET /api/recorder/live/{camera}/native} from the recorder of
 * its site ({@code VIGIL_SITE_RECORDERS}, else {@code VIGIL_RECORDER_URL}), fMP4 messages handed to
 * {@link LiveClients#nativeMessage}, which keeps what viewers joining later need.</li>
 * </ul>
 * Each goes with a watcher's token, so the recorder checks the site again. A stream that ends or goes silent for 15 s
 * (a cut link) is opened again 2 s later while someone still watches (30 s after the recorder said the camera's codec
 * is not sent natively); the Live page meanwhile says the site is unreachable.
 */
@ApplicationScoped
public class LiveUpstreams {

    private static final Logger LOG = Logger.getLogger(LiveUpstreams.class);
    private static final long TICK_MS = 1000;
    private static final long RETRY_MS = 2000;
    private static final long UNSUPPORTED_RETRY_MS = 30_000;
    /** The most one frame may be; more means the stream is not what it should be. */
    private static final int MAX_FRAME = 8 << 20;

    private final SiteDirectory directory;
    private final CameraRegistry cameras;
    private final LiveClients clients;
    private final Vertx vertx;
    private final Map<String, HttpClient> sites = new HashMap<>();
    private final URI localRecorder;
    private HttpClient local;
    private final Map<String, Upstream> open = new ConcurrentHashMap<>();
    /** The once-a-second tick, while anything is watched or open (-1: none). */
    private long timer = -1;
    private boolean stopped;
    /** A client said what it watches since the last tick began. */
    private boolean woken;

    public LiveUpstreams(SiteDirectory directory, CameraRegistry cameras, LiveClients clients, Vertx vertx,
            org.vigil.gateway.config.GatewayConfig config) {
        this.directory = directory;
        this.cameras = cameras;
        this.clients = clients;
        this.vertx = vertx;
        this.localRecorder = config.recorderUrl();
    }

    void onStart(@Observes StartupEvent e) {
        directory.recorders().forEach((site, url) -> sites.put(site, client(url)));
        local = client(localRecorder);
        clients.onWatch(this::wake);
    }

    void onStop(@Observes ShutdownEvent e) {
        synchronized (this) {
            stopped = true;
            if (timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
        }
        open.values().forEach(Upstream::close);
    }

    /**
     * A client said what it watches: the tick runs from now until nothing is watched and no stream is open (design
     * 0032: a gateway nobody watches through does not wake each second).
     */
    private synchronized void wake() {
        woken = true;
        if (timer < 0 && !stopped) {
            timer = vertx.setPeriodic(TICK_MS, id -> tick());
        }
    }

    /**
     * Stops the tick once it has nothing to do, unless a client spoke since the tick began (what it watches may not
     * be in what the tick saw); a client saying what it watches starts it again.
     */
    private synchronized void sleepIfIdle(boolean idle) {
        if (idle && !woken && timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    private HttpClient client(URI url) {
        return vertx.createHttpClient(HttpClients.to(url).setConnectTimeout(5000).setIdleTimeout(15)
                .setMaxPoolSize(64));
    }

    /**
     * Opens a stream for each remote camera watched here as previews and each camera watched natively, closes those
     * nobody watches so, retries ended ones.
     */
    private void tick() {
        synchronized (this) {
            woken = false;
        }
        Set<String> wanted = new java.util.HashSet<>();
        // p: a remote camera's previews; n: a camera's own stream; s: its sub-stream
        clients.previewCameras().forEach(c -> wanted.add("p:" + c));
        clients.nativeStreams().forEach(n -> wanted.add((n.sub() ? "s:" : "n:") + n.camera()));
        long now = System.nanoTime();
        open.entrySet().removeIf(e -> {
            Upstream u = e.getValue();
            if (!wanted.contains(e.getKey())) {
                LOG.infof("%s of %s from site %s: nobody watches it here now, stream closed", u.what(), u.camera,
                        u.site);
                u.close();
                if (u.natively) {
                    clients.nativeEnded(u.stream());
                }
                return true;
            }
            return u.ended && now - u.endedAt > u.retryMs * 1_000_000;
        });
        for (String k : wanted) {
            if (open.containsKey(k)) {
                continue;
            }
            boolean sub = k.startsWith("s:");
            boolean natively = sub || k.startsWith("n:");
            String camera = k.substring(2);
            Optional<CameraConfig> cam = cameras.get(camera);
            if (cam.isEmpty()) {
                continue; // a camera this gateway does not know
            }
            String site = cam.get().site();
            HttpClient client = sites.get(site);
            if (client == null && !natively) {
                continue; // a local camera's previews: PreviewConsumer reads them from Kafka
            }
            Optional<String> token = clients.watcherToken(camera, site);
            if (token.isEmpty()) {
                continue;
            }
            Upstream u = new Upstream(camera, site, natively, sub);
            LOG.infof("%s of %s: streaming it from site %s's recorder", u.what(), camera, site);
            open.put(k, u);
            if (natively) {
                clients.nativeEnded(u.stream()); // a new stream starts with its own init: nothing older is shown
            }
            u.start(client == null ? local : client, token.get());
        }
        sleepIfIdle(wanted.isEmpty() && open.isEmpty());
    }

    /** Remote preview streams open now (for tests and metrics). */
    public int streams() {
        return (int) open.values().stream().filter(u -> !u.ended && !u.natively).count();
    }

    /** Native streams open now (for tests and metrics). */
    public int nativeStreams() {
        return (int) open.values().stream().filter(u -> !u.ended && u.natively).count();
    }

    /** One camera's stream from its site's recorder. */
    private final class Upstream {
        private final String camera;
        private final String site;
        private final boolean natively;
        /** Natively, its sub-stream. */
        private final boolean sub;
        private volatile long retryMs = RETRY_MS;
        private Buffer pending = Buffer.buffer();
        private volatile HttpClientRequest request;
        private volatile boolean ended;
        private volatile long endedAt;
        private volatile boolean closed;

        Upstream(String camera, String site, boolean natively, boolean sub) {
            this.camera = camera;
            this.site = site;
            this.natively = natively;
            this.sub = sub;
        }

        String what() {
            return !natively ? "live view" : sub ? "native live view (sub-stream)" : "native live view";
        }

        LiveClients.NativeStream stream() {
            return new LiveClients.NativeStream(camera, sub);
        }

        void start(HttpClient client, String token) {
            client.request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/api/recorder/live/" + camera
                    + (sub ? "/native?stream=sub" : natively ? "/native" : ""))
                    .putHeader("Authorization", "Bearer " + token)).onSuccess(req -> {
                        request = req;
                        if (closed) {
                            req.reset();
                            return;
                        }
                        req.send().onSuccess(resp -> {
                            if (resp.statusCode() != 200) {
                                LOG.infof("%s of %s: the recorder of site %s answered %d", what(), camera, site,
                                        resp.statusCode());
                                end(null);
                                return;
                            }
                            resp.handler(this::data);
                            resp.endHandler(v -> end(null));
                            resp.exceptionHandler(this::end);
                        }).onFailure(this::end);
                    }).onFailure(this::end);
        }

        private void data(Buffer b) {
            pending.appendBuffer(b);
            while (pending.length() >= 4) {
                int n = pending.getInt(0);
                if (n < 0 || n > MAX_FRAME) {
                    end(new IllegalStateException("a frame of " + n + " bytes"));
                    return;
                }
                if (pending.length() < 4 + n) {
                    break;
                }
                if (n > 0) { // 0: a keep-alive
                    Buffer message = pending.getBuffer(4, 4 + n);
                    if (!natively) {
                        clients.frame(camera, site, message);
                    } else {
                        org.vigil.contracts.LiveFrame.Header h = org.vigil.contracts.LiveFrame.header(message.getBytes());
                        if (h != null && camera.equals(h.camera())) {
                            if (org.vigil.contracts.LiveFrame.UNSUPPORTED.equals(h.kind())) {
                                retryMs = UNSUPPORTED_RETRY_MS;
                            }
                            clients.nativeMessage(stream(), site, message, h);
                        }
                    }
                }
                pending = pending.getBuffer(4 + n, pending.length());
            }
        }

        private void end(Throwable e) {
            if (ended) {
                return;
            }
            if (e != null && !closed) {
                LOG.infof("%s of %s from site %s stopped (%s); reopening while it is watched", what(), camera, site,
                        e.getMessage());
            }
            endedAt = System.nanoTime();
            ended = true;
            close();
        }

        void close() {
            closed = true;
            HttpClientRequest r = request;
            if (r != null) {
                // the connection itself: a reset stream's connection may stay open, and the recorder would go on
                // sending into it (what tells it to stop is its writes failing)
                r.connection().close();
            }
        }
    }
}
