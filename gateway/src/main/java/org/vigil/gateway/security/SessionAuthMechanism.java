package org.vigil.gateway.security;

import java.util.Optional;
import java.util.Set;

import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpCredentialTransport;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.gateway.repository.UserRepository;
import org.vigil.gateway.service.ApiTokenService;

/**
 * Authenticates a request by one of:
 * <ul>
 * <li>the session cookie (browsers): a token this gateway signed; a state-changing request must also carry the CSRF
 * secret whose hash the token holds ({@link RequestGuard} has checked it equals the CSRF cookie); a session in use is
 * renewed (idle expiry), and a local account's current role, sites and disabled flag are applied at renewal;</li>
 * <li>{@code Authorization: Bearer} with an API token ({@code vgl_...}), a token this gateway signed, or, with single
 * sign-on on, the provider's own token (client credentials).</li>
 * </ul>
 * A request with none of these is anonymous and stopped by the path permissions.
 */
@ApplicationScoped
public class SessionAuthMechanism implements HttpAuthenticationMechanism {

    /** Attribute of the identity holding the {@link TokenService.Caller}. */
    public static final String CALLER = "vigil.caller";
    /** Attribute holding the id of the API token a caller used, when it used one. */
    public static final String API_TOKEN_ID = "vigil.api-token";
    private static final Set<HttpMethod> UNSAFE = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH,
            HttpMethod.DELETE);

    private final TokenService tokens;
    private final Sessions sessions;
    private final UserRepository users;
    private final ApiTokenService apiTokens;
    private final OidcAccess oidc;
    private final SessionRegistry registry;
    private final BackendTokens backendTokens;

    public SessionAuthMechanism(TokenService tokens, Sessions sessions, UserRepository users,
            ApiTokenService apiTokens, OidcAccess oidc, SessionRegistry registry, BackendTokens backendTokens) {
        this.registry = registry;
        this.backendTokens = backendTokens;
        this.tokens = tokens;
        this.sessions = sessions;
        this.users = users;
        this.apiTokens = apiTokens;
        this.oidc = oidc;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext ctx, IdentityProviderManager identityProviderManager) {
        Optional<String> bearer = bearer(ctx);
        if (bearer.isPresent()) {
            String apiTokenId = ApiTokenService.looksLikeApiToken(bearer.get()) ? ApiTokenService.idOf(bearer.get())
                    : null;
            return fromBearer(bearer.get()).map(c -> c.map(caller -> identity(caller, apiTokenId)).orElse(null));
        }
        Cookie cookie = ctx.request().getCookie(Sessions.SESSION_COOKIE);
        if (cookie == null || cookie.getValue().isBlank() || cookie.getValue().length() > 8192) {
            return Uni.createFrom().nullItem();
        }
        // signed by us, unexpired, and not ended by a sign-out or an admin (from memory: no query per request)
        Optional<TokenService.Caller> session = tokens.verifySession(cookie.getValue())
                .filter(c -> registry.active(c.sessionId()));
        if (session.isEmpty()) {
            return Uni.createFrom().nullItem();
        }
        TokenService.Caller c = session.get();
        if (UNSAFE.contains(ctx.request().method())
                && !Sessions.same(c.csrfHash(), Sessions.hash(String.valueOf(ctx.request().getHeader(Sessions.CSRF_HEADER))))) {
            return Uni.createFrom().nullItem();
        }
        if (!sessions.dueForRenewal(c)) {
            return Uni.createFrom().item(identity(backendTokens.forSession(c), null));
        }
        return renew(ctx, c).map(r -> r.map(renewed -> identity(backendTokens.forSession(renewed), null))
                .orElse(null));
    }

    private Uni<Optional<TokenService.Caller>> fromBearer(String token) {
        if (ApiTokenService.looksLikeApiToken(token)) {
            return apiTokens.authenticate(token);
        }
        Optional<TokenService.Caller> ours = tokens.verify(token);
        return ours.isPresent() ? Uni.createFrom().item(ours) : oidc.bearer(token);
    }

    /**
     * Renews a session in use. Changes to a local account end its sessions when they are made; as a second line, a
     * renewal finds an account that is gone, disabled, or holds another role or other sites, and ends the session.
     */
    private Uni<Optional<TokenService.Caller>> renew(RoutingContext ctx, TokenService.Caller c) {
        if (c.source() != TokenService.Source.LOCAL) {
            return Uni.createFrom().item(Optional.of(sessions.renew(c, ctx.response())));
        }
        return users.findAsync(c.username()).flatMap(u -> {
            if (u.isEmpty() || u.get().disabled() || !u.get().role().equals(c.role())
                    || !u.get().sites().equals(c.sites())) {
                sessions.clear(ctx.response());
                return registry.end(c.sessionId(), SessionRegistry.End.ACCESS_CHANGED)
                        .replaceWith(Optional.<TokenService.Caller>empty());
            }
            return Uni.createFrom().item(Optional.of(sessions.renew(c, ctx.response())));
        });
    }

    private static SecurityIdentity identity(TokenService.Caller c, String apiTokenId) {
        var b = QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(c.username()))
                .addRole(c.role())
                .addAttribute(CALLER, c);
        if (apiTokenId != null) {
            b.addAttribute(API_TOKEN_ID, apiTokenId);
        }
        return b.build();
    }

    private static Optional<String> bearer(RoutingContext ctx) {
        String h = ctx.request().getHeader("Authorization");
        if (h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(h.substring(7).trim());
        }
        return Optional.empty();
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, null, null));
    }

    /** The name path permissions use to pick this mechanism ({@code auth-mechanism=vigil}). */
    public static final String SCHEME = "vigil";

    @Override
    public Uni<HttpCredentialTransport> getCredentialTransport(RoutingContext context) {
        return Uni.createFrom().item(new HttpCredentialTransport(HttpCredentialTransport.Type.COOKIE, SCHEME));
    }

    /** Ahead of the single sign-on mechanism, so an unauthenticated API call gets this 401, not a redirect. */
    @Override
    public int getPriority() {
        return DEFAULT_PRIORITY + 100;
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of();
    }
}
