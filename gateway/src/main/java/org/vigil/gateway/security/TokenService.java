package org.vigil.gateway.security;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.smallrye.jwt.build.Jwt;
import jakarta.enterprise.context.ApplicationScoped;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.vigil.contracts.Access;
import org.vigil.gateway.config.GatewayConfig;

/**
 * Issues and checks the RS256 access tokens that carry a caller's role and sites to every service. For a browser the
 * same token is the session (in an HttpOnly cookie): it expires after {@link GatewayConfig#sessionIdle()} without
 * use and never later than {@link GatewayConfig#sessionLength()} after sign-in ({@code auth_time}); the gateway
 * renews it while it is used. For API tokens and single sign-on bearer tokens it is minted per caller, short-lived,
 * and only ever travels from the gateway to a backend.
 */
@ApplicationScoped
public class TokenService {

    /** How the caller proved who they are. */
    public enum Source {
        LOCAL, OIDC, TOKEN;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * Who a valid token speaks for.
     *
     * @param authTime when the caller signed in; the session ends {@link GatewayConfig#sessionLength()} later
     * @param csrfHash  SHA-256 (base64url) of the session's CSRF secret; {@code null} for tokens without a session
     * @param sessionId the browser session ({@link SessionRegistry}); {@code null} for bearer callers
     * @param token     for a session caller the session token itself (gateway only); {@link BackendTokens} turns it
     *                  into the short-lived token that goes to the backends
     */
    public record Caller(String username, String role, List<String> sites, Source source, Instant authTime,
            Instant expiresAt, String csrfHash, String sessionId, String token) {

        /** The same caller with another token (what goes to the backends). */
        public Caller withToken(String other) {
            return new Caller(username, role, sites, source, authTime, expiresAt, csrfHash, sessionId, other);
        }
    }

    private static final String AUTH_TIME = "auth_time";
    private static final String SOURCE = "src";
    private static final String CSRF = "csrf";
    private static final String SESSION_ID = "sid";
    /**
     * {@code aud} of browser session tokens: only the gateway accepts them (the backends expect
     * {@link Access#AUDIENCE}), so a session token taken from a cookie is no key to a backend.
     */
    static final String SESSION_AUDIENCE = "vigil-gateway";

    private final SigningKeys keys;
    private final GatewayConfig config;
    private final InstantSource clock;
    private final JwtConsumer consumer;
    private final JwtConsumer sessionConsumer;
    private final JwtConsumer deviceConsumer;
    /** {@code aud} of device tokens: the sign-in throttle's proof that an account signed in from a browser before. */
    static final String DEVICE_AUDIENCE = "vigil-device";
    static final Duration DEVICE_LIFETIME = Duration.ofDays(90);

    public TokenService(SigningKeys keys, GatewayConfig config, InstantSource clock) {
        this.keys = keys;
        this.config = config;
        this.clock = clock;
        this.consumer = consumer(Access.AUDIENCE);
        this.sessionConsumer = consumer(SESSION_AUDIENCE);
        this.deviceConsumer = consumer(DEVICE_AUDIENCE);
    }

    /** Checks tokens signed by this gateway's key, for {@code audience}, with 30 s of clock skew. */
    private JwtConsumer consumer(String audience) {
        return new JwtConsumerBuilder()
                .setRequireExpirationTime()
                .setRequireSubject()
                .setAllowedClockSkewInSeconds(30)
                .setExpectedIssuer(config.tokenIssuer())
                .setExpectedAudience(audience)
                .setVerificationKey(keys.publicKey())
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.RSA_USING_SHA256)
                .build();
    }

    /** A device token: this browser signed in as {@code username}; it carries no rights of any kind. */
    public String device(String username) {
        Instant now = clock.instant();
        return Jwt.issuer(config.tokenIssuer()).audience(DEVICE_AUDIENCE).subject(username)
                .issuedAt(now.getEpochSecond()).expiresAt(now.plus(DEVICE_LIFETIME).getEpochSecond())
                .jws().keyId(keys.keyId()).sign(keys.privateKey());
    }

    /** Whether {@code token} is a valid device token of {@code username}. */
    public boolean deviceOf(String token, String username) {
        try {
            JwtClaims c = deviceConsumer.processToClaims(token);
            return c.getSubject().equalsIgnoreCase(username)
                    && c.getExpirationTime().getValue() > clock.instant().getEpochSecond();
        } catch (InvalidJwtException | MalformedClaimException e) {
            return false;
        }
    }

    /** When a session signed in at {@code authTime} and used now expires: the idle time, never past its end. */
    public Instant sessionEnd(Instant authTime) {
        Instant idleEnd = clock.instant().plus(config.sessionIdle());
        Instant absoluteEnd = authTime.plus(config.sessionLength());
        return Instant.ofEpochSecond((idleEnd.isBefore(absoluteEnd) ? idleEnd : absoluteEnd).getEpochSecond());
    }

    /**
     * A browser session signed in at {@code authTime}, valid for the idle time from now but never past its absolute
     * end.
     */
    public Caller session(String username, String role, List<String> sites, Source source, Instant authTime,
            String csrfHash, String sessionId) {
        return sign(SESSION_AUDIENCE, username, role, sites, source, authTime, sessionEnd(authTime), csrfHash,
                sessionId);
    }

    /** A short-lived token for a backend call on behalf of an API token or single sign-on bearer caller. */
    public Caller delegated(String username, String role, List<String> sites, Source source, Duration lifetime) {
        Instant now = clock.instant();
        return sign(Access.AUDIENCE, username, role, sites, source, now, now.plus(lifetime), null, null);
    }

    /**
     * A footage grant (design 0017 §3): lets an export job, queued now and run later, fetch the caller's sites'
     * recordings from those sites' recorders, and nothing else (its audience is refused by every other API).
     */
    public String footageGrant(Caller caller, Duration lifetime) {
        Instant now = clock.instant();
        return sign(Access.FOOTAGE_AUDIENCE, caller.username(), caller.role(), caller.sites(), caller.source(), now,
                now.plus(lifetime), null, null).token();
    }

    private Caller sign(String audience, String username, String role, List<String> sites, Source source,
            Instant authTime, Instant exp, String csrfHash, String sessionId) {
        var builder = Jwt.issuer(config.tokenIssuer())
                .audience(audience)
                .subject(username)
                .upn(username)
                .groups(Set.of(role))
                .claim(Access.SITES_CLAIM, List.copyOf(sites))
                .claim(AUTH_TIME, authTime.getEpochSecond())
                .claim(SOURCE, source.wire())
                .issuedAt(clock.instant().getEpochSecond())
                .expiresAt(exp.getEpochSecond());
        if (csrfHash != null) {
            builder.claim(CSRF, csrfHash);
        }
        if (sessionId != null) {
            builder.claim(SESSION_ID, sessionId);
        }
        String token = builder.jws().keyId(keys.keyId()).sign(keys.privateKey());
        return new Caller(username, role, List.copyOf(sites), source,
                Instant.ofEpochSecond(authTime.getEpochSecond()), Instant.ofEpochSecond(exp.getEpochSecond()),
                csrfHash, sessionId, token);
    }

    /** The caller of a bearer token that is signed by us, unexpired and meant for Vigil's services; empty otherwise. */
    public Optional<Caller> verify(String token) {
        return verify(consumer, token);
    }

    /** The caller of a browser session token signed by us and unexpired (not yet checked against ended sessions). */
    public Optional<Caller> verifySession(String token) {
        return verify(sessionConsumer, token).filter(c -> c.sessionId() != null && c.csrfHash() != null);
    }

    private Optional<Caller> verify(JwtConsumer jwtConsumer, String token) {
        try {
            JwtClaims c = jwtConsumer.processToClaims(token);
            List<String> groups = c.getStringListClaimValue(Access.ROLES_CLAIM);
            List<String> sites = c.getStringListClaimValue(Access.SITES_CLAIM);
            if (groups == null || groups.size() != 1 || !Access.ROLES.contains(groups.get(0)) || sites == null) {
                return Optional.empty();
            }
            Source source = Source.LOCAL;
            String src = c.getStringClaimValue(SOURCE);
            if (src != null) {
                source = Source.valueOf(src.toUpperCase(java.util.Locale.ROOT));
            }
            Instant exp = Instant.ofEpochSecond(c.getExpirationTime().getValue());
            if (!exp.isAfter(clock.instant().minusSeconds(30))) {
                return Optional.empty(); // this service's clock is the one that counts (jose4j reads the system's)
            }
            Object authTime = c.getClaimValue(AUTH_TIME);
            Instant signedIn = authTime instanceof Number n ? Instant.ofEpochSecond(n.longValue())
                    : Instant.ofEpochSecond(c.getIssuedAt().getValue());
            return Optional.of(new Caller(c.getSubject(), groups.get(0), sites, source, signedIn, exp,
                    c.getStringClaimValue(CSRF), c.getStringClaimValue(SESSION_ID), token));
        } catch (InvalidJwtException | MalformedClaimException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
