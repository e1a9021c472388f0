package org.vigil.gateway.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpServerResponse;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.gateway.config.GatewayConfig;

/**
 * Browser sessions: the signed session token in an HttpOnly cookie, and a CSRF secret in a second cookie that the
 * page's script reads and echoes in {@value #CSRF_HEADER}. The token carries the secret's hash, so a CSRF cookie
 * planted by someone else does not match the session. Both cookies are SameSite=Strict; Secure when configured.
 */
@ApplicationScoped
public class Sessions {

    public static final String SESSION_COOKIE = "vigil_session";
    public static final String CSRF_COOKIE = "vigil_csrf";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    /** Proof that this browser signed in to an account before (see {@link SignInThrottle}); sent to sign-in only. */
    public static final String DEVICE_COOKIE = "vigil_device";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final TokenService tokens;
    private final SessionRegistry registry;
    private final GatewayConfig config;
    private final InstantSource clock;

    public Sessions(TokenService tokens, SessionRegistry registry, GatewayConfig config, InstantSource clock) {
        this.tokens = tokens;
        this.registry = registry;
        this.config = config;
        this.clock = clock;
    }

    /** Starts a session: records it ({@link SessionRegistry}), sets both cookies and returns the caller. */
    public Uni<TokenService.Caller> start(String username, String role, List<String> sites,
            TokenService.Source source, HttpServerResponse response) {
        String csrf = randomSecret();
        Instant authTime = clock.instant();
        return registry.open(username, source.wire(), tokens.sessionEnd(authTime)).map(sessionId -> {
            TokenService.Caller caller = tokens.session(username, role, sites, source, authTime, hash(csrf),
                    sessionId);
            response.addCookie(cookie(SESSION_COOKIE, caller.token(), true, lifetime(caller)));
            response.addCookie(cookie(CSRF_COOKIE, csrf, false, config.sessionLength()));
            return caller;
        });
    }

    /**
     * Renews a session that is being used, keeping its id, sign-in time, CSRF secret, role, sites and absolute end
     * (a change of role or sites ends the session instead: {@link SessionRegistry}).
     */
    public TokenService.Caller renew(TokenService.Caller old, HttpServerResponse response) {
        TokenService.Caller caller = tokens.session(old.username(), old.role(), old.sites(), old.source(),
                old.authTime(), old.csrfHash(), old.sessionId());
        registry.renewed(caller.sessionId(), caller.expiresAt());
        response.addCookie(cookie(SESSION_COOKIE, caller.token(), true, lifetime(caller)));
        return caller;
    }

    /** Whether a session token is due for renewal: used again more than a minute after it was issued. */
    public boolean dueForRenewal(TokenService.Caller c) {
        Instant now = clock.instant();
        Instant absoluteEnd = c.authTime().plus(config.sessionLength());
        return c.expiresAt().isBefore(absoluteEnd)
                && Duration.between(now, c.expiresAt()).compareTo(config.sessionIdle().minusMinutes(1)) < 0;
    }

    /** Marks this browser as one the account signed in from (exempt from a distributed attack's lock). */
    public void rememberDevice(String username, HttpServerResponse response) {
        response.addCookie(cookie(DEVICE_COOKIE, tokens.device(username), true, TokenService.DEVICE_LIFETIME)
                .setPath("/api/auth"));
    }

    /** Whether the request carries a device cookie of {@code username}. */
    public boolean trustedDevice(io.vertx.core.http.HttpServerRequest request, String username) {
        Cookie c = request.getCookie(DEVICE_COOKIE);
        return c != null && c.getValue().length() < 4096 && tokens.deviceOf(c.getValue(), username);
    }

    /** Ends the session in the browser. */
    public void clear(HttpServerResponse response) {
        response.addCookie(cookie(SESSION_COOKIE, "", true, Duration.ZERO));
        response.addCookie(cookie(CSRF_COOKIE, "", false, Duration.ZERO));
    }

    private Duration lifetime(TokenService.Caller c) {
        return Duration.between(clock.instant(), c.expiresAt());
    }

    private Cookie cookie(String name, String value, boolean httpOnly, Duration maxAge) {
        return Cookie.cookie(name, value).setPath("/").setHttpOnly(httpOnly).setSecure(config.cookieSecure())
                .setSameSite(CookieSameSite.STRICT).setMaxAge(Math.max(0, maxAge.toSeconds()));
    }

    /** SHA-256 of a CSRF secret, base64url; what the session token carries. */
    public static String hash(String secret) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** 256 random bits, base64url. */
    public static String randomSecret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Constant-time comparison of two strings that may be {@code null}. */
    public static boolean same(String a, String b) {
        return a != null && b != null && !a.isEmpty() && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8),
                b.getBytes(StandardCharsets.UTF_8));
    }
}
