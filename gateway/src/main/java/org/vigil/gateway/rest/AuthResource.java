package org.vigil.gateway.rest;

import java.util.List;
import java.util.Map;

import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
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
import org.vigil.contracts.AuditEntry;
import org.vigil.gateway.security.ClientAddress;
import org.vigil.gateway.security.HashingPool;
import org.vigil.gateway.security.OidcAccess;
import org.vigil.gateway.security.SessionAuthMechanism;
import org.vigil.gateway.security.SessionRegistry;
import org.vigil.gateway.security.Sessions;
import org.vigil.gateway.security.TokenService;
import org.vigil.gateway.service.UserService;
import org.vigil.runtime.audit.AuditPublisher;

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
    private final ClientAddress clientAddress;
    private final SessionRegistry registry;

    public AuthResource(UserService users, Sessions sessions, OidcAccess oidc, AuditPublisher audit,
            SecurityIdentity identity, ClientAddress clientAddress, SessionRegistry registry) {
        this.clientAddress = clientAddress;
        this.registry = registry;
        this.users = users;
        this.sessions = sessions;
        this.oidc = oidc;
        this.audit = audit;
        this.identity = identity;
    }

    /**
     * Signs in with a local account. Never waits in a queue: a throttled caller gets 429 and a full hashing pool 503,
     * both at once and with Retry-After; the answer is the same for a made-up name as for a real account.
     */
    @POST
    @Path("/login")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> login(Credentials c, @Context HttpServerRequest request,
            @Context HttpServerResponse response) {
        if (c == null || c.username() == null || c.password() == null || c.username().isBlank()
                || c.username().length() > 128 || c.password().length() > 1024) {
            return Uni.createFrom().item(Errors.of(400, "bad_request", "Send a JSON body with username and password."));
        }
        String username = c.username().trim();
        String from = clientAddress.of(request);
        boolean trustedDevice = sessions.trustedDevice(request, username);
        return users.login(username, c.password(), from, trustedDevice).flatMap(result -> {
            if (result instanceof UserService.LoginResult.Success s) {
                return sessions.start(s.user().username(), s.user().role(), s.user().sites(),
                        TokenService.Source.LOCAL, response).map(caller -> {
                            sessions.rememberDevice(s.user().username(), response);
                            return Response.ok(Me.of(caller)).build();
                        });
            }
            if (result instanceof UserService.LoginResult.Throttled t) {
                return Uni.createFrom().item(Errors.tooMany(t.retryAfter(),
                        "Too many failed sign-ins. Try again in {s} seconds."));
            }
            return Uni.createFrom().item(Errors.of(401, "invalid_credentials", "Wrong user name or password."));
        }).onFailure(HashingPool.Busy.class).recoverWithItem(e -> Errors.busy());
    }

    /** Signs out: the session ends at once, everywhere (its cookie is refused from now on, its sockets close). */
    @POST
    @Path("/logout")
    public Uni<Response> logout(@Context HttpServerResponse response) {
        sessions.clear(response);
        TokenService.Caller caller = identity.isAnonymous() ? null : identity.getAttribute(SessionAuthMechanism.CALLER);
        if (caller == null || caller.sessionId() == null) {
            return Uni.createFrom().item(Response.noContent().build());
        }
        audit.record(caller.username(), "auth.logout", AuditEntry.USER + caller.username(), null, "success", Map.of());
        return registry.end(caller.sessionId(), SessionRegistry.End.SIGNED_OUT)
                .replaceWith(Response.noContent().build());
    }

    /** Signs the caller out of every session they have, on every browser. */
    @POST
    @Path("/logout-everywhere")
    @Authenticated
    public Uni<Response> logoutEverywhere(@Context HttpServerResponse response) {
        TokenService.Caller caller = identity.getAttribute(SessionAuthMechanism.CALLER);
        if (caller.source() == TokenService.Source.TOKEN) {
            return Uni.createFrom().item(Errors.of(400, "not_a_session", "an API token has no sessions"));
        }
        sessions.clear(response);
        return registry.endAllOf(caller.username(), SessionRegistry.End.SIGNED_OUT_EVERYWHERE).map(n -> {
            audit.record(caller.username(), "auth.logout", AuditEntry.USER + caller.username(), null, "success",
                    Map.of("sessions", Integer.toString(n), "everywhere", "true"));
            return Response.noContent().build();
        });
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
