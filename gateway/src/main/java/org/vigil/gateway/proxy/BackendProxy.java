package org.vigil.gateway.proxy;

import java.net.URI;
import java.util.List;
import java.util.Set;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.vigil.gateway.config.GatewayConfig;
import org.vigil.gateway.logging.RequestIds;
import org.vigil.gateway.security.SessionAuthMechanism;
import org.vigil.gateway.security.TokenService;

/**
 * Passes the backends' APIs through, streaming both ways (playback MP4s and exports are large and ranged):
 * {@code /api/recorder/*} to the recorder, {@code /api/events*}, {@code /api/segments}, cameras' and sites' status
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

    void routes(@Observes Router router, Vertx vertx, GatewayConfig config) {
        route(router, vertx, config.recorderUrl(), "recorder", "/api/recorder/*");
        route(router, vertx, config.eventsUrl(), "event", "/api/events", "/api/events/*", "/api/segments",
                "/api/cameras/status", "^/api/cameras/[^/]+/status$", "/api/sites/status");
        route(router, vertx, config.exportUrl(), "export", "/api/exports", "/api/exports/*");
        route(router, vertx, config.retentionUrl(), "retention", "/api/retention/*");
    }

    private static void route(Router router, Vertx vertx, URI backend, String service, String... paths) {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(backend.getHost())
                .setDefaultPort(backend.getPort()).setConnectTimeout(5000).setIdleTimeout(60)
                .setMaxPoolSize(64));
        for (String path : paths) {
            // "^…$": a regular expression (a camera id in the middle of the path)
            (path.startsWith("^") ? router.routeWithRegex(path) : router.route(path))
                    .handler(ctx -> forward(ctx, client, service));
        }
    }

    private static void forward(RoutingContext ctx, HttpClient client, String service) {
        TokenService.Caller caller = caller(ctx);
        if (caller == null) {
            ctx.response().setStatusCode(401).end();
            return;
        }
        ctx.request().pause();
        RequestOptions options = new RequestOptions().setMethod(ctx.request().method())
                .setURI(ctx.request().uri()).setTimeout(120_000);
        client.request(options).onSuccess(req -> {
            for (CharSequence h : REQUEST_HEADERS) {
                String v = ctx.request().getHeader(h);
                if (v != null) {
                    req.putHeader(h, v);
                }
            }
            req.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + caller.token());
            String requestId = RequestIds.of(ctx);
            if (requestId != null) {
                req.putHeader(RequestIds.HEADER, requestId);
            }
            req.send(ctx.request()).onSuccess(resp -> relay(ctx, resp)).onFailure(e -> unavailable(ctx, service, e));
        }).onFailure(e -> unavailable(ctx, service, e));
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
