package org.vigil.gateway.proxy;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.vigil.contracts.Access;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.gateway.config.GatewayConfig;
import org.vigil.gateway.config.HttpClients;
import org.vigil.gateway.logging.RequestIds;
import org.vigil.gateway.messaging.CameraRegistry;
import org.vigil.gateway.security.SessionAuthMechanism;
import org.vigil.gateway.security.TokenService;

/**
 * Passes the backends' APIs through, streaming both ways (playback MP4s and exports are large and ranged):
 * {@code /api/recorder/*} to the recorder, {@code /api/events*}, {@code /api/bookmarks*}, {@code /api/segments}, cameras' and sites' status
 * to the event service,
 * {@code /api/exports*} to the export service and {@code /api/retention/*} to the retention service. The caller's
 * gateway-signed token goes along as a bearer token (for API-token and single sign-on bearer callers, the short-lived
 * one minted for them), and each backend checks role and site itself; the gateway's path permissions have already
 * refused anonymous callers.
 */
@ApplicationScoped
public class BackendProxy {

    private static final Logger LOG = Logger.getLogger(BackendProxy.class);
    /** Request headers passed on (never the cookie: the recorder gets the token as a bearer token). */
    private static final List<CharSequence> REQUEST_HEADERS = List.of(HttpHeaders.CONTENT_TYPE, "Range",
            HttpHeaders.ACCEPT, "If-Range", HttpHeaders.CONTENT_LENGTH);
    /** Response headers passed back. */
    private static final Set<String> RESPONSE_HEADERS = Set.of("content-type", "content-length", "content-range",
            "accept-ranges", "cache-control", "content-disposition", "x-export-utc", "x-vigil-start", "x-vigil-end", "x-vigil-frames", "x-vigil-cut-short");

    /** A camera's footage: {@code /api/recorder/playback/<camera>.mp4}. */
    private static final Pattern PLAYBACK = Pattern.compile("/api/recorder/playback/([^/]+)\\.mp4");
    /** Where a request's footage grant waits for {@link #forward}. */
    private static final String FOOTAGE_GRANT = "vigil.footage-grant";
    /** How long an export may wait in the queue and still fetch a remote site's footage. */
    static final java.time.Duration FOOTAGE_GRANT_LIFETIME = java.time.Duration.ofHours(12);
    /** How long a site's recorder may keep a request waiting for data before it counts as unreachable. */
    private static final long SITE_IDLE_MS = 30_000;

    void routes(@Observes Router router, Vertx vertx, GatewayConfig config, SiteDirectory directory,
            CameraRegistry cameras, TokenService tokens) {
        HttpClient local = client(vertx, config.recorderUrl());
        Map<String, HttpClient> sites = new HashMap<>();
        directory.recorders().forEach((site, url) -> sites.put(site, client(vertx, url)));
        router.route("/api/recorder/*").handler(ctx -> toRecorder(ctx, local, sites, directory, cameras));
        route(router, vertx, config.eventsUrl(), "event", "/api/events", "/api/events/*", "/api/bookmarks",
                "/api/bookmarks/*", "/api/segments", "/api/segments/*",
                "/api/cameras/status", "^/api/cameras/[^/]+/status$", "/api/sites/status");
        HttpClient export = client(vertx, config.exportUrl());
        router.route("/api/exports").handler(ctx -> {
            // a new export of footage that may lie at remote sites: the job, run later, fetches it with this grant
            TokenService.Caller caller = caller(ctx);
            if (caller != null && ctx.request().method() == HttpMethod.POST && !directory.recorders().isEmpty()) {
                ctx.put(FOOTAGE_GRANT, tokens.footageGrant(caller, FOOTAGE_GRANT_LIFETIME));
            }
            forward(ctx, export, "export");
        });
        router.route("/api/exports/*").handler(ctx -> forward(ctx, export, "export"));
        route(router, vertx, config.retentionUrl(), "retention", "/api/retention/*");
    }

    private static HttpClient client(Vertx vertx, URI backend) {
        return vertx.createHttpClient(HttpClients.to(backend).setConnectTimeout(5000).setIdleTimeout(60)
                .setMaxPoolSize(64));
    }

    private static void route(Router router, Vertx vertx, URI backend, String service, String... paths) {
        HttpClient client = client(vertx, backend);
        for (String path : paths) {
            // "^…$": a regular expression (a camera id in the middle of the path)
            (path.startsWith("^") ? router.routeWithRegex(path) : router.route(path))
                    .handler(ctx -> forward(ctx, client, service));
        }
    }

    /**
     * The recorder's API, routed by site (design 0017 §3): a camera's footage goes to the recorder of the camera's
     * site, any other request naming {@code site=} to that site's; both only where the site directory lists the site,
     * else to VIGIL_RECORDER_URL's. A site central knows is cut off is answered at once: 503 and since when.
     */
    private static void toRecorder(RoutingContext ctx, HttpClient local, Map<String, HttpClient> sites,
            SiteDirectory directory, CameraRegistry cameras) {
        TokenService.Caller caller = caller(ctx);
        if (caller == null) {
            ctx.response().setStatusCode(401).end();
            return;
        }
        String site = ctx.request().getParam("site");
        Matcher m = PLAYBACK.matcher(ctx.request().path());
        if (m.matches()) {
            site = cameras.get(URLDecoder.decode(m.group(1), StandardCharsets.UTF_8)).map(CameraConfig::site)
                    .orElse(null);
        }
        HttpClient remote = site == null ? null : sites.get(site);
        if (remote == null) {
            forward(ctx, local, "recorder", 120_000, null);
            return;
        }
        if (!Access.siteAllowed(caller.sites(), site)) { // before anything about the site is told
            json(ctx, 403, "forbidden", "no access to site " + site);
            return;
        }
        String s = site;
        ctx.request().pause();
        directory.contact(site, caller.token()).subscribe().with(contact -> {
            if (contact.disconnected()) {
                siteUnreachable(ctx, s, contact.lastContact(), null);
            } else {
                forward(ctx, remote, "recorder of site " + s, SITE_IDLE_MS, s);
            }
        }, e -> forward(ctx, remote, "recorder of site " + s, SITE_IDLE_MS, s));
    }

    private static void forward(RoutingContext ctx, HttpClient client, String service) {
        forward(ctx, client, service, 120_000, null);
    }

    /** Passes the request on; {@code site}: the site whose recorder it goes to (its failure is a 503 naming it). */
    private static void forward(RoutingContext ctx, HttpClient client, String service, long idleMs, String site) {
        TokenService.Caller caller = caller(ctx);
        if (caller == null) {
            ctx.response().setStatusCode(401).end();
            return;
        }
        ctx.request().pause();
        RequestOptions options = new RequestOptions().setMethod(ctx.request().method())
                .setURI(ctx.request().uri()).setTimeout(idleMs);
        client.request(options).onSuccess(req -> {
            for (CharSequence h : REQUEST_HEADERS) {
                String v = ctx.request().getHeader(h);
                if (v != null) {
                    req.putHeader(h, v);
                }
            }
            req.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + caller.token());
            String grant = ctx.get(FOOTAGE_GRANT);
            if (grant != null) {
                req.putHeader(Access.FOOTAGE_GRANT_HEADER, grant);
            }
            String requestId = RequestIds.of(ctx);
            if (requestId != null) {
                req.putHeader(RequestIds.HEADER, requestId);
            }
            req.send(ctx.request()).onSuccess(resp -> relay(ctx, resp)).onFailure(e -> failed(ctx, service, site, e));
        }).onFailure(e -> failed(ctx, service, site, e));
    }

    private static void failed(RoutingContext ctx, String service, String site, Throwable e) {
        if (site == null) {
            unavailable(ctx, service, e);
        } else {
            LOG.warnf("%s unreachable for %s %s (request %s): %s", service, ctx.request().method(),
                    ctx.request().path(), RequestIds.of(ctx), e.getMessage());
            siteUnreachable(ctx, site, null, e);
        }
    }

    /** 503: the site's footage cannot be had now, and since when central has not heard from it (when known). */
    private static void siteUnreachable(RoutingContext ctx, String site, Instant since, Throwable e) {
        if (ctx.response().headWritten()) {
            ctx.response().reset();
            return;
        }
        String message = since != null
                ? "site " + site + " has been unreachable since " + since.truncatedTo(ChronoUnit.SECONDS)
                        + ": its recordings and live view are at the site, and come back when its link does"
                : "the recorder of site " + site + " is unreachable: its recordings and live view are at the site";
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", "site_unreachable");
        body.put("message", message);
        body.put("site", site);
        if (since != null) {
            body.put("since", since.toString());
        }
        ctx.response().setStatusCode(503).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader("Retry-After", "10").end(Buffer.buffer(Json.write(body)));
    }

    private static void json(RoutingContext ctx, int status, String error, String message) {
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(Buffer.buffer(Json.write(Map.of("error", error, "message", message))));
    }

    private static void relay(RoutingContext ctx, HttpClientResponse resp) {
        HttpServerResponse out = ctx.response();
        out.setStatusCode(resp.statusCode());
        resp.headers().forEach(h -> {
            if (RESPONSE_HEADERS.contains(h.getKey().toLowerCase())) {
                out.putHeader(h.getKey(), h.getValue());
            }
        });
        if (!resp.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
            out.setChunked(true);
        }
        resp.pipeTo(out);
    }

    private static void unavailable(RoutingContext ctx, String service, Throwable e) {
        LOG.warnf("%s unreachable for %s %s (request %s): %s", service, ctx.request().method(), ctx.request().path(),
                RequestIds.of(ctx), e.getMessage());
        if (!ctx.response().headWritten()) {
            ctx.response().setStatusCode(502).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end("{\"error\":\"bad_gateway\",\"message\":\"the " + service + " service is unreachable\"}");
        } else {
            ctx.response().reset();
        }
    }

    private static TokenService.Caller caller(RoutingContext ctx) {
        if (ctx.user() instanceof QuarkusHttpUser u) {
            SecurityIdentity id = u.getSecurityIdentity();
            return id.isAnonymous() ? null : id.getAttribute(SessionAuthMechanism.CALLER);
        }
        return null;
    }
}
