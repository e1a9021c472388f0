package org.vigil.gateway.service;

import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jboss.logging.Logger;
import org.vigil.contracts.Access;
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
        record Success(TokenService.Caller caller) implements LoginResult {
        }

        record Rejected() implements LoginResult {
        }

        record Locked(Instant until) implements LoginResult {
        }
    }

    private final UserRepository users;
    private final PasswordHasher hasher;
    private final TokenService tokens;
    private final AuditPublisher audit;
    private final GatewayConfig config;
    private final InstantSource clock;

    public UserService(UserRepository users, PasswordHasher hasher, TokenService tokens, AuditPublisher audit,
            GatewayConfig config, InstantSource clock) {
        this.users = users;
        this.hasher = hasher;
        this.tokens = tokens;
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
        Optional<UserRepository.User> user = users.find(username);
        if (user.isPresent() && user.get().lockedUntil() != null && user.get().lockedUntil().isAfter(now)) {
            hasher.verify(password, null);
            audit.record(username, "auth.login", username, "denied", Map.of("reason", "locked", "from", from));
            return new LoginResult.Locked(user.get().lockedUntil());
        }
        boolean ok = hasher.verify(password, user.map(UserRepository.User::passwordHash).orElse(null));
        if (!ok || user.get().disabled()) {
            Optional<Instant> locked = user.isPresent()
                    ? users.recordFailure(username, config.maxFailedLogins(), now.plus(config.lockout()))
                    : Optional.empty();
            audit.record(username, "auth.login", username, "denied",
                    Map.of("reason", ok ? "disabled" : "bad credentials", "from", from));
            return locked.filter(t -> t.isAfter(now)).<LoginResult>map(LoginResult.Locked::new)
                    .orElseGet(LoginResult.Rejected::new);
        }
        UserRepository.User u = user.get();
        users.recordSuccess(username);
        audit.record(username, "auth.login", username, "success", Map.of("from", from));
        return new LoginResult.Success(tokens.issue(u.username(), u.role(), u.sites()));
    }
}
