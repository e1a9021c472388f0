package org.vigil.gateway.service;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.contracts.AuditEntry;
import org.vigil.gateway.ApiToken;
import org.vigil.gateway.repository.ApiTokenRepository;
import org.vigil.gateway.security.BackendTokens;
import org.vigil.gateway.security.Sessions;
import org.vigil.gateway.security.TokenService;
import org.vigil.runtime.audit.AuditPublisher;

/**
 * API tokens for integrators: {@code vgl_<id>_<secret>}, sent as {@code Authorization: Bearer}. The id finds the row,
 * the secret's SHA-256 must match, and the token must be neither revoked nor expired. A caller authenticated this way
 * reaches the backends with a short-lived token the gateway signs for it, like any other caller.
 */
@ApplicationScoped
public class ApiTokenService {

    public static final String PREFIX = "vgl_";
    private static final Pattern ID = Pattern.compile("[0-9a-f]{16}");
    /** Backend tokens of API-token callers live as long as a session's ({@link BackendTokens#LIFETIME}). */
    private static final Duration DELEGATED = BackendTokens.LIFETIME;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A newly created token: the stored form and the secret, which is never shown again. */
    public record Created(ApiToken token, String secret) {
    }

    private final ApiTokenRepository repository;
    private final TokenService tokens;
    private final AuditPublisher audit;
    private final InstantSource clock;
    /** Backend tokens already minted per API token id, reused until close to their end. */
    private final Map<String, TokenService.Caller> minted = new ConcurrentHashMap<>();
    /** When each token's last use was written, so a busy integrator costs one update a minute, not one per call. */
    private final Map<String, Instant> touched = new ConcurrentHashMap<>();

    public ApiTokenService(ApiTokenRepository repository, TokenService tokens, AuditPublisher audit,
            InstantSource clock) {
        this.repository = repository;
        this.tokens = tokens;
        this.audit = audit;
        this.clock = clock;
    }

    public static boolean looksLikeApiToken(String bearer) {
        return bearer.startsWith(PREFIX);
    }

    /** The id part of an API token ({@code vgl_<id>_<secret>}); {@code null} when it has none. */
    public static String idOf(String bearer) {
        return bearer.length() >= PREFIX.length() + 16 ? bearer.substring(PREFIX.length(), PREFIX.length() + 16)
                : null;
    }

    /**
     * A current backend token for an API token that authenticated a moment ago (a live socket's later snapshots),
     * minted again from the last one when it nears its end; empty when the token was not used here.
     */
    public Optional<String> backendToken(String id) {
        Instant now = clock.instant();
        TokenService.Caller c = minted.computeIfPresent(id, (k, old) -> old.expiresAt().isAfter(now.plusSeconds(20))
                ? old : tokens.delegated(old.username(), old.role(), old.sites(), TokenService.Source.TOKEN,
                        DELEGATED));
        return Optional.ofNullable(c).map(TokenService.Caller::token);
    }

    /**
     * Whether the token can still be used: not revoked, not expired, and its creator not disabled or demoted since
     * (what a live WebSocket opened with it is checked against).
     */
    public Uni<Boolean> stillValid(String id) {
        Instant now = clock.instant();
        return repository.find(id).map(t -> t.isPresent() && usable(t.get(), now));
    }

    private static boolean usable(ApiToken t, Instant now) {
        return t.revokedAt() == null && (t.expiresAt() == null || t.expiresAt().isAfter(now))
                && !t.creatorWithdrawn();
    }

    /** Creates a token; blocking. */
    public Created create(String name, String role, List<String> sites, Integer expiresInDays, String by) {
        byte[] idBytes = new byte[8];
        RANDOM.nextBytes(idBytes);
        String id = HexFormat.of().formatHex(idBytes);
        String secret = Sessions.randomSecret();
        Instant now = clock.instant();
        ApiToken t = new ApiToken(id, name, Sessions.hash(secret), role, List.copyOf(sites), now, by,
                expiresInDays == null ? null : now.plus(Duration.ofDays(expiresInDays)), null, null, false);
        AuditPublisher.Entry created = audit.entry(by, "api_token.create", AuditEntry.TOKEN + id, null, "success",
                Map.of("name", name, "role", role, "sites", String.join(",", sites)));
        repository.insert(t, tx -> audit.storeIn(tx, List.of(created)));
        return new Created(t, PREFIX + id + "_" + secret);
    }

    public List<ApiToken> all() {
        return repository.all();
    }

    /** Revokes a token; blocking. Its minted backend token lapses within minutes at most. */
    public boolean revoke(String id, String by) {
        AuditPublisher.Entry revoked = audit.entry(by, "api_token.revoke", AuditEntry.TOKEN + id, null, "success",
                Map.of());
        boolean done = repository.revoke(id, by, clock.instant(), tx -> audit.storeIn(tx, List.of(revoked)));
        minted.remove(id);
        if (!done) { // nothing changed: an entry of the refused attempt, on its own
            audit.record(by, "api_token.revoke", AuditEntry.TOKEN + id, null, "failure", Map.of());
        }
        return done;
    }

    /** The caller an API token speaks for, or empty when it is unknown, wrong, revoked or expired. */
    public Uni<Optional<TokenService.Caller>> authenticate(String bearer) {
        if (bearer.length() < PREFIX.length() + 18 || bearer.charAt(PREFIX.length() + 16) != '_') {
            return Uni.createFrom().item(Optional.empty());
        }
        String id = bearer.substring(PREFIX.length(), PREFIX.length() + 16);
        String secret = bearer.substring(PREFIX.length() + 17);
        if (!ID.matcher(id).matches()) {
            return Uni.createFrom().item(Optional.empty());
        }
        return repository.find(id).map(found -> found.filter(t -> valid(t, secret)).map(this::caller));
    }

    private boolean valid(ApiToken t, String secret) {
        return Sessions.same(t.secretHash(), Sessions.hash(secret)) && usable(t, clock.instant());
    }

    private TokenService.Caller caller(ApiToken t) {
        Instant now = clock.instant();
        Instant last = touched.get(t.id());
        if (last == null || last.isBefore(now.minusSeconds(60))) {
            touched.put(t.id(), now);
            repository.touch(t.id(), now).subscribe().with(ok -> {
            }, failure -> touched.remove(t.id()));
        }
        String name = "token:" + t.name();
        return minted.compute(t.id(), (id, c) -> c != null && c.expiresAt().isAfter(now.plusSeconds(20))
                && c.role().equals(t.role()) && c.sites().equals(t.sites()) ? c
                        : tokens.delegated(name, t.role(), t.sites(), TokenService.Source.TOKEN, DELEGATED));
    }
}
