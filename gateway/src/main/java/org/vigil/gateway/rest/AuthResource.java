package org.vigil.gateway.rest;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.vigil.gateway.config.GatewayConfig;
import org.vigil.gateway.security.SessionAuthMechanism;
import org.vigil.gateway.security.TokenService;
import org.vigil.gateway.service.UserService;

import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;

/** Sign-in with a local account, sign-out, and who am I. */
@Path("/api/auth")
@Produces(MediaType.APPLICATION_JSON)
public class AuthResource {

    /** Credentials as posted by the sign-in form. */
    public record Credentials(String username, String password) {
    }

    /** The signed-in user as the UI needs it; the token itself stays in the HttpOnly cookie. */
    public record Me(String username, String role, List<String> sites, String expiresAt) {
        static Me of(TokenService.Caller c) {
            return new Me(c.username(), c.role(), c.sites(), c.expiresAt().toString());
        }
    }

    private final UserService users;
    private final GatewayConfig config;
    private final SecurityIdentity identity;

    public AuthResource(UserService users, GatewayConfig config, SecurityIdentity identity) {
        this.users = users;
        this.config = config;
        this.identity = identity;
    }

    @POST
    @Path("/login")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response login(Credentials c, @Context HttpServerRequest request) {
        if (c == null || c.username() == null || c.password() == null || c.username().isBlank()
                || c.username().length() > 128 || c.password().length() > 1024) {
            return error(400, "bad_request", "Send a JSON body with username and password.");
        }
        String from = request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
        UserService.LoginResult result = users.login(c.username().trim(), c.password(), from);
        if (result instanceof UserService.LoginResult.Success s) {
            return Response.ok(Me.of(s.caller())).cookie(cookie(s.caller().token(), config.sessionLength())).build();
        }
        if (result instanceof UserService.LoginResult.Locked l) {
            return error(429, "locked", "Too many failed sign-ins. Try again after " + l.until() + ".");
        }
        return error(401, "invalid_credentials", "Wrong user name or password.");
    }

    @POST
    @Path("/logout")
    public Response logout() {
        return Response.noContent().cookie(cookie("", Duration.ZERO)).build();
    }

    @GET
    @Path("/me")
    @Authenticated
    public Me me() {
        return Me.of(identity.getAttribute(SessionAuthMechanism.CALLER));
    }

    private NewCookie cookie(String value, Duration maxAge) {
        return new NewCookie.Builder(SessionAuthMechanism.COOKIE)
                .value(value)
                .path("/")
                .httpOnly(true)
                .secure(config.cookieSecure())
                .sameSite(NewCookie.SameSite.STRICT)
                .maxAge((int) maxAge.toSeconds())
                .build();
    }

    private static Response error(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", code, "message", message)).build();
    }
}
