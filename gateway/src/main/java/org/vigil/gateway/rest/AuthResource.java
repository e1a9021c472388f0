package org.vigil.gateway.rest;

import java.util.List;
import java.util.Map;

import org.vigil.gateway.messaging.AuditPublisher;
import org.vigil.gateway.security.OidcAccess;
import org.vigil.gateway.security.SessionAuthMechanism;
import org.vigil.gateway.security.Sessions;
import org.vigil.gateway.security.TokenService;
import org.vigil.gateway.service.UserService;

import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Sign-in with a local account, sign-out, who am I, and which ways to sign in exist. */
@Path("/api/auth")
@Produces(MediaType.APPLICATION_JSON)
public class AuthResource {

    /** Credentials as posted by the sign-in form. */
    public record Credentials(String username, String password) {
    }

    /** The signed-in caller as the UI needs it; the token itself stays in the HttpOnly cookie. */
    public record Me(String username, String role, List<String> sites, String expiresAt, String source) {
        static Me of(TokenService.Caller c) {
            return new Me(c.username(), c.role(), c.sites(), c.expiresAt().toString(), c.source().wire());
        }
    }

    /** The ways to sign in, for the sign-in page. */
    public record Providers(boolean local, Oidc oidc) {
        public record Oidc(boolean enabled, String label) {
        }
    }

    private final UserService users;
    private final Sessions sessions;
    private final OidcAccess oidc;
    private final AuditPublisher audit;
    private final SecurityIdentity identity;

    public AuthResource(UserService users, Sessions sessions, OidcAccess oidc, AuditPublisher audit,
            SecurityIdentity identity) {
        this.users = users;
        this.sessions = sessions;
        this.oidc = oidc;
        this.audit = audit;
        this.identity = identity;
    }

    @POST
    @Path("/login")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response login(Credentials c, @Context HttpServerRequest request, @Context HttpServerResponse response) {
        if (c == null || c.username() == null || c.password() == null || c.username().isBlank()
                || c.username().length() > 128 || c.password().length() > 1024) {
            return Errors.of(400, "bad_request", "Send a JSON body with username and password.");
        }
        String from = request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
        UserService.LoginResult result = users.login(c.username().trim(), c.password(), from);
        if (result instanceof UserService.LoginResult.Success s) {
            TokenService.Caller caller = sessions.start(s.user().username(), s.user().role(), s.user().sites(),
                    TokenService.Source.LOCAL, response);
            return Response.ok(Me.of(caller)).build();
        }
        if (result instanceof UserService.LoginResult.Locked l) {
            return Errors.of(429, "locked", "Too many failed sign-ins. Try again after " + l.until() + ".");
        }
        return Errors.of(401, "invalid_credentials", "Wrong user name or password.");
    }

    @POST
    @Path("/logout")
    public Response logout(@Context HttpServerResponse response) {
        if (!identity.isAnonymous()) {
            audit.record(identity.getPrincipal().getName(), "auth.logout", identity.getPrincipal().getName(), "success",
                    Map.of());
        }
        sessions.clear(response);
        return Response.noContent().build();
    }

    @GET
    @Path("/me")
    @Authenticated
    public Me me() {
        return Me.of(identity.getAttribute(SessionAuthMechanism.CALLER));
    }

    @GET
    @Path("/providers")
    public Providers providers() {
        return new Providers(true, new Providers.Oidc(oidc.enabled(), oidc.label()));
    }
}
