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
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.vigil.contracts.CameraConfig;
import org.vigil.gateway.messaging.CameraRegistry;
import org.vigil.gateway.ws.LiveClients;

/**
 * Live pictures of a remote site's cameras (design 0017 §3). Their previews stay on the site's Kafka; while a browser
 * on this gateway watches such a camera, the gateway holds one stream from the site's recorder
 * ({@code GET /api/recorder/live/{camera}}, with a watcher's token) and hands each frame to the watchers allowed to
 * see the site, exactly as it does a local camera's. Nobody watching: the stream is closed, and nothing crosses the
 * WAN. A stream that ends or goes silent for 15 s (a cut link) is opened again 2 s later while someone still watches;
 * the Live page meanwhile says the site is unreachable.
 */
@ApplicationScoped
public class RemoteLive {

    private static final Logger LOG = Logger.getLogger(RemoteLive.class);
    private static final long TICK_MS = 1000;
    private static final long RETRY_MS = 2000;
    /** The most one frame may be; more means the stream is not what it should be. */
    private static final int MAX_FRAME = 8 << 20;

    private final SiteDirectory directory;
    private final CameraRegistry cameras;
    private final LiveClients clients;
    private final Vertx vertx;
    private final Map<String, HttpClient> sites = new HashMap<>();
    private final Map<String, Upstream> open = new ConcurrentHashMap<>();
    private long timer = -1;

    public RemoteLive(SiteDirectory directory, CameraRegistry cameras, LiveClients clients, Vertx vertx) {
        this.directory = directory;
        this.cameras = cameras;
        this.clients = clients;
        this.vertx = vertx;
    }

    void onStart(@Observes StartupEvent e) {
        if (directory.recorders().isEmpty()) {
            return; // one site, or every site's previews on central's Kafka: PreviewConsumer serves them all
        }
        directory.recorders().forEach((site, url) -> sites.put(site, client(url)));
        timer = vertx.setPeriodic(TICK_MS, id -> tick());
    }

    void onStop(@Observes ShutdownEvent e) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        open.values().forEach(Upstream::close);
    }

    private HttpClient client(URI url) {
        return vertx.createHttpClient(new HttpClientOptions().setDefaultHost(url.getHost())
                .setDefaultPort(url.getPort()).setSsl("https".equals(url.getScheme())).setConnectTimeout(5000)
                .setIdleTimeout(15).setMaxPoolSize(64));
    }

    /** Opens a stream for each remote camera watched here, closes those nobody watches, retries ended ones. */
    private void tick() {
        Set<String> watched = clients.watchedCameras();
        long now = System.nanoTime();
        open.entrySet().removeIf(e -> {
            Upstream u = e.getValue();
            if (!watched.contains(e.getKey())) {
                LOG.infof("live view of %s from site %s: nobody watches it here now, stream closed", e.getKey(),
                        u.site);
                u.close();
                return true;
            }
            return u.ended && now - u.endedAt > RETRY_MS * 1_000_000;
        });
        for (String camera : watched) {
            if (open.containsKey(camera)) {
                continue;
            }
            Optional<CameraConfig> cam = cameras.get(camera);
            HttpClient client = cam.map(c -> sites.get(c.site())).orElse(null);
            if (client == null) {
                continue; // a local camera, or one this gateway does not know
            }
            String site = cam.get().site();
            Optional<String> token = clients.watcherToken(camera, site);
            if (token.isEmpty()) {
                continue;
            }
            Upstream u = new Upstream(camera, site);
            LOG.infof("live view of %s: streaming it from site %s's recorder", camera, site);
            open.put(camera, u);
            u.start(client, token.get());
        }
    }

    /** Remote live streams open now (for tests and metrics). */
    public int streams() {
        return (int) open.values().stream().filter(u -> !u.ended).count();
    }

    /** One camera's stream from its site's recorder. */
    private final class Upstream {
        private final String camera;
        private final String site;
        private Buffer pending = Buffer.buffer();
        private volatile HttpClientRequest request;
        private volatile boolean ended;
        private volatile long endedAt;
        private volatile boolean closed;

        Upstream(String camera, String site) {
            this.camera = camera;
            this.site = site;
        }

        void start(HttpClient client, String token) {
            client.request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/api/recorder/live/" + camera)
                    .putHeader("Authorization", "Bearer " + token)).onSuccess(req -> {
                        request = req;
                        if (closed) {
                            req.reset();
                            return;
                        }
                        req.send().onSuccess(resp -> {
                            if (resp.statusCode() != 200) {
                                LOG.infof("live view of %s: the recorder of site %s answered %d", camera, site,
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
                    clients.frame(camera, site, pending.getBuffer(4, 4 + n));
                }
                pending = pending.getBuffer(4 + n, pending.length());
            }
        }

        private void end(Throwable e) {
            if (ended) {
                return;
            }
            if (e != null && !closed) {
                LOG.infof("live view of %s from site %s stopped (%s); reopening while it is watched", camera, site,
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
