package org.vigil.gateway.proxy;

import java.net.URI;
import java.util.List;
import java.util.Set;

import org.jboss.logging.Logger;
import org.vigil.gateway.config.GatewayConfig;
import org.vigil.gateway.security.SessionAuthMechanism;
import org.vigil.gateway.security.TokenService;

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

/**
 * Passes {@code /api/recorder/*} through to the recorder service, streaming both ways (playback MP4s are large and
 * ranged). The caller's signed token goes along as a bearer token, and the recorder checks role and site itself; the
 * gateway's path permissions have already refused anonymous callers.
 */
@ApplicationScoped
public class BackendProxy {

    private static final Logger LOG = Logger.getLogger(BackendProxy.class);
    /** Request headers passed on (never the cookie: the recorder gets the token as a bearer token). */
    private static final List<CharSequence> REQUEST_HEADERS = List.of(HttpHeaders.CONTENT_TYPE, "Range",
            HttpHeaders.ACCEPT, "If-Range", HttpHeaders.CONTENT_LENGTH);
    /** Response headers passed back. */
    private static final Set<String> RESPONSE_HEADERS = Set.of("content-type", "content-length", "content-range",
            "accept-ranges", "cache-control", "x-vigil-start", "x-vigil-end", "x-vigil-frames", "x-vigil-cut-short");

    void routes(@Observes Router router, Vertx vertx, GatewayConfig config) {
        URI recorder = config.recorderUrl();
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(recorder.getHost())
                .setDefaultPort(recorder.getPort()).setConnectTimeout(5000).setIdleTimeout(60)
                .setMaxPoolSize(64));
        router.route("/api/recorder/*").handler(ctx -> forward(ctx, client, "recorder"));
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
        LOG.warnf("%s unreachable for %s %s: %s", service, ctx.request().method(), ctx.request().path(),
                e.getMessage());
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
