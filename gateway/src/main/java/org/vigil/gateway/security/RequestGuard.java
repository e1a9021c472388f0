package org.vigil.gateway.security;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Runs before authentication on every request:
 * <ul>
 * <li>a state-changing request ({@code POST PUT PATCH DELETE}) or a WebSocket upgrade that a browser sent from another
 * origin (its {@code Origin} is neither this gateway nor CORS_ORIGIN) is refused;</li>
 * <li>a state-changing request that relies on the session cookie must echo the CSRF cookie in
 * {@value Sessions#CSRF_HEADER} (bearer-token callers are exempt: nothing ambient is sent for them);</li>
 * <li>every response gets the security headers the UI is written for (a strict Content-Security-Policy, no
 * sniffing, no framing, no referrer) and API answers are never cached.</li>
 * </ul>
 */
@ApplicationScoped
public class RequestGuard {

    private static final Set<HttpMethod> UNSAFE = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH,
            HttpMethod.DELETE);
    static final String CSP = "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
            + "connect-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
            + "form-action 'self'";

    private final List<String> allowedOrigins;
    private final long bodyDeadlineMs;

    @jakarta.inject.Inject
    public RequestGuard(@ConfigProperty(name = "quarkus.http.cors.origins") Optional<List<String>> corsOrigins) {
        this(corsOrigins, SIGN_IN_BODY_DEADLINE_MS);
    }

    RequestGuard(Optional<List<String>> corsOrigins, long bodyDeadlineMs) {
        this.allowedOrigins = corsOrigins.orElse(List.of()).stream().map(String::trim).filter(s -> !s.isEmpty())
                .toList();
        this.bodyDeadlineMs = bodyDeadlineMs;
    }

    void register(@Observes Filters filters) {
        filters.register(this::guard, Integer.MAX_VALUE - 10); // before authentication and every route
    }

    /** The largest body the unauthenticated sign-in accepts (a name and a password in JSON). */
    static final int SIGN_IN_MAX_BODY = 4096;

    void guard(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        headers(ctx);
        if (req.method() == HttpMethod.POST && "/api/auth/login".equals(req.path())) {
            if (!smallBody(ctx)) {
                return;
            }
            bodyDeadline(ctx);
        }
        boolean unsafe = UNSAFE.contains(req.method());
        boolean upgrade = "websocket".equalsIgnoreCase(req.getHeader("Upgrade"));
        if ((unsafe || upgrade) && !originAllowed(req)) {
            refuse(ctx, "origin", "requests from " + req.getHeader("Origin") + " are not accepted; set CORS_ORIGIN "
                    + "to allow a different web origin");
            return;
        }
        if (unsafe && req.getHeader("Authorization") == null && req.getCookie(Sessions.SESSION_COOKIE) != null) {
            Cookie csrf = req.getCookie(Sessions.CSRF_COOKIE);
            if (csrf == null || !Sessions.same(csrf.getValue(), req.getHeader(Sessions.CSRF_HEADER))) {
                refuse(ctx, "csrf", "missing or wrong " + Sessions.CSRF_HEADER + " header: send the value of the "
                        + Sessions.CSRF_COOKIE + " cookie with every change");
                return;
            }
        }
        ctx.next();
    }

    /**
     * Anyone may post to the sign-in: its body must say how long it is, and be small, before a byte of it is read
     * (413, or 411 for a body without a length).
     */
    private static boolean smallBody(RoutingContext ctx) {
        String length = ctx.request().getHeader("Content-Length");
        if (length == null) {
            error(ctx, 411, "length_required", "send the sign-in with a Content-Length");
            return false;
        }
        long n;
        try {
            n = Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            n = Long.MAX_VALUE;
        }
        if (n > SIGN_IN_MAX_BODY) {
            errorAndClose(ctx, 413, "too_large", "a sign-in is at most " + SIGN_IN_MAX_BODY + " bytes");
            return false;
        }
        return true;
    }

    /**
     * A sign-in whose small body has not arrived within {@value #SIGN_IN_BODY_DEADLINE_MS} ms (a client sending it a
     * byte at a time) is answered 408 and its connection closed. The deadline is the body's only: a sign-in that
     * arrived whole and waits for its password check (a flood keeps the hashing pool busy) gets its real answer.
     */
    static final long SIGN_IN_BODY_DEADLINE_MS = 10_000;

    private void bodyDeadline(RoutingContext ctx) {
        io.vertx.core.Vertx vertx = ctx.vertx();
        long timer = vertx.setTimer(bodyDeadlineMs, id -> {
            if (!ctx.request().isEnded() && !ctx.response().ended() && !ctx.response().headWritten()) {
                errorAndClose(ctx, 408, "timeout", "the sign-in did not arrive in time");
            }
        });
        ctx.addEndHandler(v -> vertx.cancelTimer(timer));
    }

    private static void headers(RoutingContext ctx) {
        var h = ctx.response().headers();
        h.set("Content-Security-Policy", CSP);
        h.set("X-Content-Type-Options", "nosniff");
        h.set("X-Frame-Options", "DENY");
        h.set("Referrer-Policy", "no-referrer");
        if (ctx.request().path().startsWith("/api/")) {
            h.set("Cache-Control", "no-store");
        }
    }

    /** No Origin (not a browser, or a same-origin GET) passes; otherwise it must be us or a configured origin. */
    private boolean originAllowed(HttpServerRequest req) {
        String origin = req.getHeader("Origin");
        if (origin == null) {
            return true;
        }
        if (allowedOrigins.contains(origin)) {
            return true;
        }
        try {
            URI o = URI.create(origin);
            String host = req.getHeader("Host");
            return host != null && o.getRawAuthority() != null && o.getRawAuthority().equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A 403 with Vigil's error body: {@code {"error": code, "message": message}}. */
    static void refuse(RoutingContext ctx, String code, String message) {
        error(ctx, 403, code, message);
    }

    /** An error for a request whose body will not be read: answered, then the connection is closed. */
    private static void errorAndClose(RoutingContext ctx, int status, String code, String message) {
        ctx.response().putHeader("Connection", "close");
        error(ctx, status, code, message).onComplete(written -> ctx.request().connection().close());
    }

    private static io.vertx.core.Future<Void> error(RoutingContext ctx, int status, String code, String message) {
        return ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end("{\"error\":\"" + code + "\",\"message\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"")
                        + "\"}");
    }
}
