package org.vigil.gateway.security;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The tokens a browser session's requests carry to the backends. The session token never leaves the gateway (its
 * audience is the gateway's own); each session gets a short-lived token for the backends instead, minted on first
 * use and again when it nears its end. A session that ends loses its backend token here at once, and whatever was
 * already handed out lapses within {@link #LIFETIME}.
 */
@ApplicationScoped
public class BackendTokens {

    /** How long a backend token of a session lives. */
    public static final Duration LIFETIME = Duration.ofSeconds(60);
    /** A minted token is reused while it has at least this long left. */
    private static final Duration MARGIN = Duration.ofSeconds(20);

    private final TokenService tokens;
    private final InstantSource clock;
    private final Map<String, TokenService.Caller> minted = new ConcurrentHashMap<>();

    public BackendTokens(TokenService tokens, SessionRegistry sessions, InstantSource clock) {
        this.tokens = tokens;
        this.clock = clock;
        sessions.onEnded(minted::remove);
    }

    /** The session's caller, carrying a backend token instead of the session token. */
    public TokenService.Caller forSession(TokenService.Caller session) {
        Instant now = clock.instant();
        TokenService.Caller backend = minted.compute(session.sessionId(), (id, c) -> c != null
                && c.expiresAt().isAfter(now.plus(MARGIN)) ? c
                        : tokens.delegated(session.username(), session.role(), session.sites(), session.source(),
                                LIFETIME));
        if (minted.size() > 10_000) {
            minted.values().removeIf(c -> c.expiresAt().isBefore(now));
        }
        return session.withToken(backend.token());
    }
}
