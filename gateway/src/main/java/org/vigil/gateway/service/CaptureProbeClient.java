package org.vigil.gateway.service;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.gateway.config.GatewayConfig;
import org.vigil.gateway.config.HttpClients;
import org.vigil.runtime.sites.SiteRecorders;

/**
 * Asks a capture instance of a camera's site to probe its address (design 0018 §5): a camera is tested from where it
 * is captured, since only that site's network reaches it. A site of {@code VIGIL_SITE_CAPTURES} is probed by the
 * capture instance listed there; any other site by {@code VIGIL_CAPTURE_URL}, unless it is a remote site of the site
 * directory ({@code VIGIL_SITE_RECORDERS}) with no capture instance listed, which cannot be probed from here. The
 * caller's token goes along, so capture checks the caller's role and sites itself.
 */
@ApplicationScoped
public class CaptureProbeClient {

    /** The probe's own bound: two RTSP timeouts (main and sub-stream) and the reads, with room to spare. */
    static final long TIMEOUT_MS = 45_000;

    /** capture's answer: its status and body, passed on as they are. */
    public record Answer(int status, String body) {
    }

    private final HttpClient local;
    private final Map<String, HttpClient> sites = new HashMap<>();
    private final java.util.Set<String> remoteSites;

    public CaptureProbeClient(Vertx vertx, GatewayConfig config, org.vigil.gateway.proxy.SiteDirectory directory) {
        local = client(vertx, config.captureUrl());
        SiteRecorders.parse(config.siteCaptures().orElse(""), "VIGIL_SITE_CAPTURES")
                .forEach((site, url) -> sites.put(site, client(vertx, url)));
        remoteSites = directory.recorders().keySet();
    }

    private static HttpClient client(Vertx vertx, URI url) {
        return vertx.createHttpClient(HttpClients.to(url).setConnectTimeout(5000).setMaxPoolSize(8));
    }

    /** The capture instance that probes {@code site}'s cameras; empty when none can be reached from here. */
    Optional<HttpClient> forSite(String site) {
        HttpClient listed = sites.get(site);
        if (listed != null) {
            return Optional.of(listed);
        }
        return remoteSites.contains(site) ? Optional.empty() : Optional.of(local);
    }

    /**
     * Probes {@code camera} at its site with {@code token}; fails with {@link Unreachable} when no capture instance of
     * the site answers.
     */
    public Uni<Answer> probe(CameraConfig camera, String token) {
        Optional<HttpClient> client = forSite(camera.site());
        if (client.isEmpty()) {
            return Uni.createFrom().failure(new Unreachable("site " + camera.site() + " is a remote site with no "
                    + "capture instance listed in VIGIL_SITE_CAPTURES: its cameras are probed from there"));
        }
        return client.get().request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/api/capture/probe")
                .setTimeout(TIMEOUT_MS).putHeader("Authorization", "Bearer " + token)
                .putHeader("Content-Type", "application/json"))
                .chain(req -> req.send(Buffer.buffer(Json.write(camera))))
                .chain(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b.toString())))
                .onFailure(f -> !(f instanceof Unreachable)).transform(f -> new Unreachable("no capture instance "
                        + "of site " + camera.site() + " answered: " + f.getMessage()));
    }

    /** No capture instance of the site could be asked. */
    public static final class Unreachable extends RuntimeException {
        Unreachable(String message) {
            super(message);
        }
    }
}
