package org.vigil.gateway.rest;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

import io.quarkus.oidc.IdToken;
import io.quarkus.oidc.OidcSession;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerResponse;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.vigil.contracts.AuditEntry;
import org.vigil.gateway.security.OidcAccess;
import org.vigil.gateway.security.Sessions;
import org.vigil.gateway.security.TokenService;
import org.vigil.runtime.audit.AuditPublisher;

/**
 * The end of a single sign-on: quarkus-oidc has run the authorization code flow with the provider (this path is
 * reserved to its {@code code} mechanism), and the ID token's claims are mapped to a role and sites. The provider's
 * session cookie is dropped at once and a Vigil session starts, so the rest of the gateway and every backend see one
 * kind of caller. {@code next} is followed only when it is a path on this gateway.
 */
@Path("/auth/oidc")
public class OidcLoginResource {

    @Inject
    OidcAccess oidc;

    @Inject
    Sessions sessions;

    @Inject
    AuditPublisher audit;

    @Inject
    @IdToken
    JsonWebToken idToken;

    @Inject
    OidcSession oidcSession;

    @GET
    @Path("/login")
    @Authenticated
    public Uni<Response> login(@QueryParam("next") String next, @Context HttpServerResponse response) {
        Optional<OidcAccess.Mapped> mapped = oidc.map(OidcAccess.claimsOfVerified(idToken.getRawToken()));
        if (mapped.isEmpty()) {
            audit.record(idToken.getName(), "auth.login", AuditEntry.USER + idToken.getName(), null, "denied",
                    Map.of("reason", "no Vigil role in the provider's claims", "via", "oidc"));
            return oidcSession.logout().replaceWith(Errors.of(403, "no_role",
                    "Your account at the identity provider has no Vigil role; ask an administrator."));
        }
        OidcAccess.Mapped m = mapped.get();
        return sessions.start(m.username(), m.role(), m.sites(), TokenService.Source.OIDC, response).flatMap(c -> {
            audit.record(m.username(), "auth.login", AuditEntry.USER + m.username(), null, "success", Map.of("via", "oidc", "role",
                    m.role()));
            return oidcSession.logout().replaceWith(Response.seeOther(URI.create(safeNext(next))).build());
        });
    }

    /** {@code next} when it is a path on this gateway; "/" for anything else (other hosts, schemes, "//host"). */
    static String safeNext(String next) {
        if (next == null || next.isEmpty() || next.length() > 2048 || next.charAt(0) != '/' || next.startsWith("//")
                || next.startsWith("/\\") || next.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f || ch == '\\')) {
            return "/";
        }
        return next;
    }
}
