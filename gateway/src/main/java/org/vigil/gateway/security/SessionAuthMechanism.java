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
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Authenticates a request by its session cookie (browsers) or {@code Authorization: Bearer} (scripts and tests).
 * Both carry the same signed token; a request with neither is anonymous and stopped by the path permissions.
 */
@ApplicationScoped
public class SessionAuthMechanism implements HttpAuthenticationMechanism {

    public static final String COOKIE = "vigil_session";
    /** Attribute of the identity holding the {@link TokenService.Caller}. */
    public static final String CALLER = "vigil.caller";

    private final TokenService tokens;

    public SessionAuthMechanism(TokenService tokens) {
        this.tokens = tokens;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext ctx, IdentityProviderManager identityProviderManager) {
        String token = bearer(ctx).orElseGet(() -> {
            Cookie c = ctx.request().getCookie(COOKIE);
            return c == null ? null : c.getValue();
        });
        if (token == null || token.isBlank()) {
            return Uni.createFrom().nullItem();
        }
        Optional<TokenService.Caller> caller = tokens.verify(token);
        if (caller.isEmpty()) {
            return Uni.createFrom().nullItem();
        }
        TokenService.Caller c = caller.get();
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(c.username()))
                .addRole(c.role())
                .addAttribute(CALLER, c)
                .build());
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

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of();
    }
}
