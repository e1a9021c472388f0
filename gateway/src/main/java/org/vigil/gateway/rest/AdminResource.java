package org.vigil.gateway.rest;

import java.time.Instant;
import java.util.List;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.vigil.contracts.Access;
import org.vigil.gateway.ApiToken;
import org.vigil.gateway.User;
import org.vigil.gateway.cameras.CameraAdmin;
import org.vigil.gateway.security.HashingPool;
import org.vigil.gateway.security.SessionAuthMechanism;
import org.vigil.gateway.security.SignInThrottle;
import org.vigil.gateway.security.TokenService;
import org.vigil.gateway.service.ApiTokenService;
import org.vigil.gateway.service.UserService;

/**
 * Users, their sites, and API tokens: admins only. An admin grants only sites they hold; every change is audited.
 * Password hashes and token secrets never leave the gateway (a new token's secret is answered once, at creation).
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Access.ADMIN)
public class AdminResource {

    /**
     * A user as admins see it; {@code locked}: sign-in is locked for browsers without the account's device cookie
     * (a distributed guessing attack, see {@link SignInThrottle}).
     */
    public record UserView(String username, String role, List<String> sites, boolean disabled, boolean locked,
            Instant createdAt, String createdBy) {
    }

    private UserView view(User u) {
        return new UserView(u.username(), u.role(), u.sites(), u.disabled(), throttle.accountLocked(u.username()),
                u.createdAt(), u.createdBy());
    }

    public record NewUser(String username, String password, String role, List<String> sites) {
    }

    public record UserChange(String role, List<String> sites, Boolean disabled, String password) {
    }

    /** A token as admins see it; {@code token} (the secret) only in the answer that created it. */
    public record TokenView(String id, String name, String role, List<String> sites, Instant createdAt,
            String createdBy, Instant expiresAt, Instant lastUsedAt, Instant revokedAt, String token) {
        static TokenView of(ApiToken t, String secret) {
            return new TokenView(t.id(), t.name(), t.role(), t.sites(), t.createdAt(), t.createdBy(), t.expiresAt(),
                    t.lastUsedAt(), t.revokedAt(), secret);
        }
    }

    public record NewToken(String name, String role, List<String> sites, Integer expiresInDays) {
    }

    private final UserService users;
    private final ApiTokenService apiTokens;
    private final CameraAdmin cameras;
    private final SecurityIdentity identity;
    private final SignInThrottle throttle;

    public AdminResource(UserService users, ApiTokenService apiTokens, CameraAdmin cameras,
            SecurityIdentity identity, SignInThrottle throttle) {
        this.throttle = throttle;
        this.users = users;
        this.apiTokens = apiTokens;
        this.cameras = cameras;
        this.identity = identity;
    }

    /** The users an admin may manage: all for an admin of every site, else those whose sites the admin holds. */
    @GET
    @Path("/users")
    public List<UserView> users() {
        return users.all().stream().filter(u -> withinCallerSites(u.sites())).map(this::view).toList();
    }

    @POST
    @Path("/users")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response createUser(NewUser body) {
        if (body == null) {
            return Errors.of(400, "bad_request", "send {username, password, role, sites}");
        }
        try {
            User u = users.create(caller(), body.username(), body.password(), body.role(),
                    body.sites());
            return Response.status(201).entity(view(u)).build();
        } catch (UserService.Refused e) {
            return Errors.of(e.status, "invalid_" + e.field, e.getMessage());
        } catch (HashingPool.Busy e) {
            return Errors.busy();
        }
    }

    @PATCH
    @Path("/users/{username}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response updateUser(@PathParam("username") String username, UserChange body) {
        if (body == null) {
            return Errors.of(400, "bad_request", "send any of {role, sites, disabled, password}");
        }
        try {
            return Response.ok(view(users.update(caller(), username, body.role(), body.sites(), body.disabled(),
                    body.password()))).build();
        } catch (UserService.Refused e) {
            return Errors.of(e.status, e.status == 404 ? "not_found" : "invalid_" + e.field, e.getMessage());
        } catch (HashingPool.Busy e) {
            return Errors.busy();
        }
    }

    /** Signs a user out everywhere: every session ends and every live socket of theirs closes within seconds. */
    @POST
    @Path("/users/{username}/sessions/end")
    public Response endSessions(@PathParam("username") String username) {
        try {
            return Response.ok(java.util.Map.of("ended", users.endSessions(caller(), username))).build();
        } catch (UserService.Refused e) {
            return Errors.of(e.status, e.status == 404 ? "not_found" : "invalid_" + e.field, e.getMessage());
        }
    }

    /**
     * The sites the admin holds, for granting and for cameras: every configured one ({@code VIGIL_SITES}, the site
     * directory), every one with a camera, and those granted to the admin by name.
     */
    @GET
    @Path("/sites")
    public List<String> sites() {
        TokenService.Caller caller = caller();
        return cameras.knownSites(caller).stream().filter(s -> Access.siteAllowed(caller.sites(), s)).toList();
    }

    @GET
    @Path("/tokens")
    public List<TokenView> tokens() {
        return apiTokens.all().stream().filter(t -> withinCallerSites(t.sites())).map(t -> TokenView.of(t, null))
                .toList();
    }

    @POST
    @Path("/tokens")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response createToken(NewToken body) {
        if (body == null || body.name() == null || body.name().isBlank() || body.name().length() > 100) {
            return Errors.of(400, "invalid_name", "give the token a name of 1-100 characters");
        }
        if (body.expiresInDays() != null && (body.expiresInDays() < 1 || body.expiresInDays() > 3650)) {
            return Errors.of(400, "invalid_expiresInDays", "expiresInDays is 1 to 3650, or absent for no expiry");
        }
        try {
            UserService.checkGrant(caller(), body.role(), body.sites());
        } catch (UserService.Refused e) {
            return Errors.of(e.status, "invalid_" + e.field, e.getMessage());
        }
        ApiTokenService.Created c = apiTokens.create(body.name().strip(), body.role(), body.sites(),
                body.expiresInDays(), caller().username());
        return Response.status(201).entity(TokenView.of(c.token(), c.secret())).build();
    }

    @DELETE
    @Path("/tokens/{id}")
    public Response revokeToken(@PathParam("id") String id) {
        if (apiTokens.all().stream().noneMatch(t -> t.id().equals(id) && withinCallerSites(t.sites()))) {
            return Errors.of(404, "not_found", "no active token " + id);
        }
        return apiTokens.revoke(id, caller().username()) ? Response.noContent().build()
                : Errors.of(404, "not_found", "no active token " + id);
    }

    private boolean withinCallerSites(List<String> sites) {
        List<String> mine = caller().sites();
        return mine.contains(Access.ALL_SITES) || (!sites.contains(Access.ALL_SITES) && mine.containsAll(sites));
    }

    private TokenService.Caller caller() {
        return identity.getAttribute(SessionAuthMechanism.CALLER);
    }
}
