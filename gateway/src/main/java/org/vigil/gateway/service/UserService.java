package org.vigil.gateway.service;

import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jboss.logging.Logger;
import org.vigil.contracts.Access;
import org.vigil.gateway.User;
import org.vigil.gateway.config.GatewayConfig;
import org.vigil.gateway.messaging.AuditPublisher;
import org.vigil.gateway.repository.UserRepository;
import org.vigil.gateway.security.PasswordHasher;
import org.vigil.gateway.security.TokenService;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Local sign-in: password check, lockout after repeated failures, and the first admin account. */
@ApplicationScoped
public class UserService {

    private static final Logger LOG = Logger.getLogger(UserService.class);

    /** How a sign-in attempt ended. */
    public sealed interface LoginResult {
        record Success(User user) implements LoginResult {
        }

        record Rejected() implements LoginResult {
        }

        record Locked(Instant until) implements LoginResult {
        }
    }

    private final UserRepository users;
    private final PasswordHasher hasher;
    private final AuditPublisher audit;
    private final GatewayConfig config;
    private final InstantSource clock;

    public UserService(UserRepository users, PasswordHasher hasher, AuditPublisher audit,
            GatewayConfig config, InstantSource clock) {
        this.users = users;
        this.hasher = hasher;
        this.audit = audit;
        this.config = config;
        this.clock = clock;
    }

    /** Creates the first admin when there is no account at all and a bootstrap password was given. */
    void bootstrap(@Observes StartupEvent e) {
        if (users.count() > 0) {
            return;
        }
        Optional<String> password = config.bootstrapAdminPassword().filter(p -> !p.isBlank());
        if (password.isEmpty()) {
            LOG.warn("no user exists and VIGIL_BOOTSTRAP_ADMIN_PASSWORD is not set: nobody can sign in yet");
            return;
        }
        if (password.get().length() < 12) {
            LOG.error("VIGIL_BOOTSTRAP_ADMIN_PASSWORD is shorter than 12 characters; the first admin was not created");
            return;
        }
        if (users.createIfAbsent("admin", hasher.hash(password.get()), Access.ADMIN, List.of(Access.ALL_SITES),
                "bootstrap")) {
            LOG.info("created the first admin account 'admin'");
            audit.record("system", "user.create", "admin", "success", Map.of("role", Access.ADMIN, "via", "bootstrap"));
        }
    }

    /** Checks a user name and password. Blocking (password hashing is deliberately slow): call from a worker. */
    public LoginResult login(String username, String password, String from) {
        Instant now = clock.instant();
        Optional<User> user = users.find(username);
        if (user.isPresent() && user.get().lockedUntil() != null && user.get().lockedUntil().isAfter(now)) {
            hasher.verify(password, null);
            audit.record(username, "auth.login", username, "denied", Map.of("reason", "locked", "from", from));
            return new LoginResult.Locked(user.get().lockedUntil());
        }
        boolean ok = hasher.verify(password, user.map(User::passwordHash).orElse(null));
        if (!ok || user.get().disabled()) {
            Optional<Instant> locked = user.isPresent()
                    ? users.recordFailure(username, config.maxFailedLogins(), now.plus(config.lockout()))
                    : Optional.empty();
            audit.record(username, "auth.login", username, "denied",
                    Map.of("reason", ok ? "disabled" : "bad credentials", "from", from));
            Optional<Instant> lockedNow = locked.filter(t -> t.isAfter(now));
            // once per lockout, and only for an existing account (the name is not the caller's free text then)
            lockedNow.ifPresent(t -> LOG.warnf("account '%s' locked until %s after %d failed sign-ins (last from %s)",
                    username, t, config.maxFailedLogins(), from));
            return lockedNow.<LoginResult>map(LoginResult.Locked::new).orElseGet(LoginResult.Rejected::new);
        }
        User u = user.get();
        users.recordSuccess(username);
        audit.record(username, "auth.login", username, "success", Map.of("from", from));
        return new LoginResult.Success(u);
    }

    /** A request an admin may not make, with the field at fault. */
    public static final class Refused extends RuntimeException {
        public final int status;
        public final String field;

        Refused(int status, String field, String message) {
            super(message);
            this.status = status;
            this.field = field;
        }
    }

    public List<User> all() {
        return users.all();
    }

    /** Creates a local account; blocking. */
    public User create(TokenService.Caller admin, String username, String password, String role,
            List<String> sites) {
        if (username == null || !USERNAME.matcher(username).matches()) {
            throw new Refused(400, "username", "a user name is 1-64 letters, digits, '.', '_', '-' or '@'");
        }
        checkPassword(password);
        checkGrant(admin, role, sites);
        if (!users.createIfAbsent(username, hasher.hash(password), role, sites, admin.username())) {
            throw new Refused(409, "username", "a user named " + username + " exists already");
        }
        audit.record(admin.username(), "user.create", username, "success",
                Map.of("role", role, "sites", String.join(",", sites)));
        return users.find(username).orElseThrow();
    }

    /** Changes role, sites, disabled or password of an account (null leaves a field alone); blocking. */
    public User update(TokenService.Caller admin, String username, String role, List<String> sites,
            Boolean disabled, String password) {
        User current = users.find(username)
                .orElseThrow(() -> new Refused(404, "username", "no user named " + username));
        if (role != null || sites != null) {
            checkGrant(admin, role == null ? current.role() : role, sites == null ? current.sites() : sites);
        }
        if (!Access.siteAllowed(admin.sites(), Access.ALL_SITES) && !admin.sites().containsAll(current.sites())) {
            throw new Refused(403, "username", "you may change only users whose sites you hold yourself");
        }
        if (username.equals(admin.username()) && (Boolean.TRUE.equals(disabled)
                || (role != null && !role.equals(Access.ADMIN)))) {
            throw new Refused(400, "username", "you cannot disable or demote your own account");
        }
        if (password != null) {
            checkPassword(password);
        }
        User after = users.update(username, role, sites, disabled,
                password == null ? null : hasher.hash(password), admin.username()).orElseThrow();
        Map<String, String> details = new java.util.TreeMap<>();
        if (role != null) {
            details.put("role", role);
        }
        if (sites != null) {
            details.put("sites", String.join(",", sites));
        }
        if (disabled != null) {
            details.put("disabled", disabled.toString());
        }
        if (password != null) {
            details.put("password", "reset");
        }
        audit.record(admin.username(), "user.update", username, "success", details);
        return after;
    }

    /** An admin may grant any role, but only sites they hold themselves. */
    public static void checkGrant(TokenService.Caller admin, String role, List<String> sites) {
        if (role == null || !Access.ROLES.contains(role)) {
            throw new Refused(400, "role", "role must be one of " + Access.ROLES);
        }
        if (sites == null || sites.isEmpty()) {
            throw new Refused(400, "sites", "give at least one site, or \"*\" for every site");
        }
        for (String site : sites) {
            if (site == null || !(site.equals(Access.ALL_SITES) || SITE.matcher(site).matches())) {
                throw new Refused(400, "sites", "a site id is 1-64 letters, digits, '.', '_' or '-'");
            }
            if (!Access.siteAllowed(admin.sites(), site) || (site.equals(Access.ALL_SITES)
                    && !admin.sites().contains(Access.ALL_SITES))) {
                throw new Refused(403, "sites", "you may grant only sites you hold yourself; not " + site);
            }
        }
    }

    private static void checkPassword(String password) {
        if (password == null || password.length() < 12 || password.length() > 1024) {
            throw new Refused(400, "password", "a password is 12 to 1024 characters long");
        }
    }

    private static final java.util.regex.Pattern USERNAME = java.util.regex.Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    private static final java.util.regex.Pattern SITE = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,64}");
}
