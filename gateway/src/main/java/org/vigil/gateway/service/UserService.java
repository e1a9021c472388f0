package org.vigil.gateway.service;

import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.vigil.contracts.Access;
import org.vigil.contracts.AuditEntry;
import org.vigil.gateway.User;
import org.vigil.gateway.config.GatewayConfig;
import org.vigil.gateway.repository.UserRepository;
import org.vigil.gateway.security.HashingPool;
import org.vigil.gateway.security.PasswordHasher;
import org.vigil.gateway.security.SessionRegistry;
import org.vigil.gateway.security.SignInThrottle;
import org.vigil.gateway.security.TokenService;
import org.vigil.runtime.audit.AuditPublisher;

/** Local sign-in: password check (throttled, in the bounded hashing pool), accounts, and the first admin. */
@ApplicationScoped
public class UserService {

    private static final Logger LOG = Logger.getLogger(UserService.class);

    /** How a sign-in attempt ended. */
    public sealed interface LoginResult {
        record Success(User user) implements LoginResult {
        }

        record Rejected() implements LoginResult {
        }

        /** Throttled: not tried at all; try again after {@code retryAfter}. */
        record Throttled(Duration retryAfter) implements LoginResult {
        }
    }

    private final UserRepository users;
    private final PasswordHasher hasher;
    private final HashingPool hashing;
    private final SignInThrottle throttle;
    private final AuditPublisher audit;
    private final GatewayConfig config;
    private final MeterRegistry metrics;
    private final InstantSource clock;
    private final SessionRegistry sessions;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    public UserService(UserRepository users, PasswordHasher hasher, HashingPool hashing, SignInThrottle throttle,
            AuditPublisher audit, GatewayConfig config, MeterRegistry metrics, InstantSource clock,
            SessionRegistry sessions) {
        this.clock = clock;
        this.sessions = sessions;
        metrics.counter("vigil_gateway_signin_refused_total", "reason", "throttled"); // in the scrape from the start
        this.users = users;
        this.hasher = hasher;
        this.hashing = hashing;
        this.throttle = throttle;
        this.audit = audit;
        this.config = config;
        this.metrics = metrics;
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
        AuditPublisher.Entry created = audit.entry("system", "user.create", AuditEntry.USER + "admin", null, "success",
                Map.of("role", Access.ADMIN, "via", "bootstrap"));
        if (users.createIfAbsent("admin", hasher.hash(password.get()), Access.ADMIN, List.of(Access.ALL_SITES),
                "bootstrap", tx -> audit.storeIn(tx, List.of(created)))) {
            LOG.info("created the first admin account 'admin'");
        }
    }

    /**
     * Checks a user name and password without blocking the caller: the throttle first (a throttled attempt costs
     * nothing), then a place in the hashing pool ({@link HashingPool.Busy} when there is none), the account and the
     * hash. An unknown name goes through exactly the same steps, including a hash, as a known one.
     *
     * @param trustedDevice the browser holds a device cookie for this account (see {@link SignInThrottle})
     */
    public Uni<LoginResult> login(String username, String password, String from, boolean trustedDevice) {
        SignInThrottle.Verdict verdict = throttle.check(username, from, trustedDevice);
        if (!verdict.allowed()) {
            metrics.counter("vigil_gateway_signin_refused_total", "reason", "throttled").increment();
            return Uni.createFrom().item(new LoginResult.Throttled(verdict.retryAfter()));
        }
        return hashing.submit(users.findAsync(username),
                user -> new Checked(user, hasher.verify(password, user.map(User::passwordHash).orElse(null))),
                trustedDevice)
                .map(c -> decide(username, from, trustedDevice, c));
    }

    private record Checked(Optional<User> user, boolean passwordOk) {
    }

    private LoginResult decide(String username, String from, boolean trustedDevice, Checked c) {
        if (c.passwordOk() && !c.user().get().disabled()) {
            throttle.succeeded(username, from);
            audit.record(username, "auth.login", AuditEntry.USER + username, null, "success", Map.of("from", from));
            return new LoginResult.Success(c.user().get());
        }
        Optional<SignInThrottle.Lock> lock = throttle.failed(username, from, trustedDevice);
        audit.record(username, "auth.login", AuditEntry.USER + username, null, "denied",
                Map.of("reason", c.passwordOk() ? "disabled" : "bad credentials", "from", from));
        // once per lock, never per attempt; the name is the caller's free text, so it is quoted and cut
        lock.ifPresent(l -> LOG.warnf("sign-in locked for the %s until %s (last attempt for '%s')", l.scope(),
                l.until(), username.length() > 64 ? username.substring(0, 64) + "..." : username));
        return lock.<LoginResult>map(l -> new LoginResult.Throttled(Duration.between(clock.instant(), l.until())))
                .orElseGet(LoginResult.Rejected::new);
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
        AuditPublisher.Entry created = audit.entry(admin.username(), "user.create", AuditEntry.USER + username, null,
                "success", Map.of("role", role, "sites", String.join(",", sites)));
        if (!users.createIfAbsent(username, hashing.run(() -> hasher.hash(password)), role, sites,
                admin.username(), tx -> audit.storeIn(tx, List.of(created)))) {
            throw new Refused(409, "username", "a user named " + username + " exists already");
        }
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
        SessionRegistry.End why = password != null ? SessionRegistry.End.PASSWORD_CHANGED
                : Boolean.TRUE.equals(disabled) ? SessionRegistry.End.DISABLED
                        : (role != null && !role.equals(current.role())) || (sites != null
                                && !sites.equals(current.sites())) ? SessionRegistry.End.ACCESS_CHANGED : null;
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
        if (why != null) {
            details.put("sessionsEnd", why.name().toLowerCase(java.util.Locale.ROOT));
        }
        AuditPublisher.Entry updated = audit.entry(admin.username(), "user.update", AuditEntry.USER + username, null,
                "success", details);
        User after = users.update(username, role, sites, disabled,
                password == null ? null : hashing.run(() -> hasher.hash(password)), admin.username(),
                tx -> audit.storeIn(tx, List.of(updated))).orElseThrow();
        if (password != null) {
            throttle.forgetAccount(username);
        }
        if (why != null) {
            sessions.endAllOf(username, why).await().atMost(TIMEOUT);
        }
        return after;
    }

    /** An admin's "sign out everywhere" for a user: every session of theirs ends now; blocking. */
    public int endSessions(TokenService.Caller admin, String username) {
        User current = users.find(username)
                .orElseThrow(() -> new Refused(404, "username", "no user named " + username));
        if (!Access.siteAllowed(admin.sites(), Access.ALL_SITES) && !admin.sites().containsAll(current.sites())) {
            throw new Refused(403, "username", "you may sign out only users whose sites you hold yourself");
        }
        int ended = sessions.endAllOf(username, SessionRegistry.End.SIGNED_OUT_EVERYWHERE).await().atMost(TIMEOUT);
        audit.record(admin.username(), "user.sessions.end", AuditEntry.USER + username, null, "success",
                Map.of("sessions", Integer.toString(ended)));
        return ended;
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
