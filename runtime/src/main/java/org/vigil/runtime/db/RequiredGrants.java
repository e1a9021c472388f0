package org.vigil.runtime.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

import org.jboss.logging.Logger;

/**
 * What a service's PostgreSQL role must hold, checked before its migrations run: its own schema, the read views and
 * functions other services' owners grant it, and (known debt) role memberships. Each service logs in as its own role
 * ({@code deploy/postgres/roles.sql}); one that lacks a grant stops at start-up with a message naming every grant it
 * lacks and the statement that gives it, rather than failing later, on the first request that needs it.
 *
 * <p>A read view that does not exist yet is not a missing grant: its owner has not migrated (services start in any
 * order). That is logged, and the service starts; its reads of the view fail until the owner has run. A view that
 * exists without the grant may be an owner migrating right now (an upgrade whose new migration grants it): the check
 * is repeated until {@code wait} has passed, and only then fails.
 */
public final class RequiredGrants {

    private static final Logger LOG = Logger.getLogger(RequiredGrants.class);

    /** One thing the role needs, and what for (said in the message when it is missing). */
    public sealed interface Grant {
        String why();
    }

    /** USAGE and CREATE on the service's own schema (roles.sql makes the role its owner). */
    public record OwnSchema(String schema, String why) implements Grant {
    }

    /** SELECT on another service's read view, {@code schema.view}, granted by that owner's migration. */
    public record ReadView(String view, String why) implements Grant {
    }

    /** EXECUTE on another service's versioned function, {@code schema.vN_name}, granted by that owner's migration. */
    public record Execute(String function, String why) implements Grant {
    }

    /** Membership in another role, with its privileges. */
    public record MemberOf(String role, String why) implements Grant {
    }

    /** The service cannot run with this role: {@link #getMessage()} names each missing grant. */
    public static final class MissingGrants extends IllegalStateException {
        public MissingGrants(String message) {
            super(message);
        }
    }

    private RequiredGrants() {
    }

    public static Grant ownSchema(String schema) {
        return new OwnSchema(schema, "its own schema");
    }

    public static Grant readView(String view, String why) {
        if (!view.matches("[a-z_]+\\.v[0-9]+_[a-z0-9_]+")) {
            throw new IllegalArgumentException("not a versioned read view (schema.vN_name): " + view);
        }
        return new ReadView(view, why);
    }

    public static Grant execute(String function, String why) {
        if (!function.matches("[a-z_]+\\.v[0-9]+_[a-z0-9_]+")) {
            throw new IllegalArgumentException("not a versioned function (schema.vN_name): " + function);
        }
        return new Execute(function, why);
    }

    public static Grant memberOf(String role, String why) {
        return new MemberOf(role, why);
    }

    /**
     * Checks {@code required} for the role {@code dataSource} logs in as, again each second until {@code wait} has
     * passed while a grant is missing.
     *
     * @throws MissingGrants naming every grant the role lacks
     */
    public static void check(DataSource dataSource, String service, List<Grant> required, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        boolean waiting = false;
        try (Connection c = dataSource.getConnection()) {
            while (true) {
                try {
                    check(c, service, required);
                    return;
                } catch (MissingGrants e) {
                    if (System.nanoTime() - deadline >= 0) {
                        LOG.error(e.getMessage()); // one plain line, before the framework's stack trace
                        throw e;
                    }
                    if (!waiting) {
                        LOG.infof("%s: waiting up to %s for its database grants (an owning service may be migrating):"
                                + " %s", service, wait, e.getMessage());
                        waiting = true;
                    }
                    Thread.sleep(1000);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(service + " cannot check its database grants: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(service + " was interrupted while checking its database grants", e);
        }
    }

    /** {@link #check(DataSource, String, List)} on an open connection. */
    public static void check(Connection c, String service, List<Grant> required) throws SQLException {
        String role = scalar(c, "select current_user", List.of());
        List<String> missing = new ArrayList<>();
        for (Grant g : required) {
            String lacks;
            if (g instanceof OwnSchema s) {
                lacks = ownSchema(c, role, s.schema());
            } else if (g instanceof ReadView v) {
                lacks = readView(c, role, service, v.view());
            } else if (g instanceof Execute x) {
                lacks = execute(c, role, service, x.function());
            } else {
                lacks = memberOf(c, role, ((MemberOf) g).role());
            }
            if (lacks != null) {
                missing.add(lacks + " (" + g.why() + ")");
            }
        }
        if (!missing.isEmpty()) {
            throw new MissingGrants(service + " cannot start: its database role " + role + " lacks "
                    + String.join("; ", missing) + ". Run deploy/postgres/roles.sql as a superuser, and start the "
                    + "owning services first so that their migrations grant their read views.");
        }
    }

    private static String ownSchema(Connection c, String role, String schema) throws SQLException {
        if (!"t".equals(scalar(c, "select count(*) > 0 from pg_namespace where nspname = ?", List.of(schema)))) {
            return "its schema " + schema + ", which does not exist: CREATE SCHEMA " + schema + " AUTHORIZATION " + role;
        }
        if (!"t".equals(scalar(c, "select has_schema_privilege(current_user, ?, 'USAGE')"
                + " and has_schema_privilege(current_user, ?, 'CREATE')", List.of(schema, schema)))) {
            return "USAGE and CREATE on schema " + schema + ": ALTER SCHEMA " + schema + " OWNER TO " + role;
        }
        return null;
    }

    private static String readView(Connection c, String role, String service, String view) throws SQLException {
        return granted(c, role, service, view, "reads", "SELECT", "", """
                select has_schema_privilege(current_user, n.oid, 'USAGE') and has_table_privilege(current_user, v.oid,
                'SELECT') from pg_class v join pg_namespace n on n.oid = v.relnamespace
                where n.nspname = ? and v.relname = ?""");
    }

    private static String execute(Connection c, String role, String service, String function) throws SQLException {
        return granted(c, role, service, function, "calls", "EXECUTE", "FUNCTION ", """
                select has_schema_privilege(current_user, n.oid, 'USAGE')
                       and bool_and(has_function_privilege(current_user, p.oid, 'EXECUTE'))
                from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                where n.nspname = ? and p.proname = ? group by n.oid""");
    }

    /**
     * Whether the role holds {@code privilege} on another service's {@code schema.name} ({@code query} answers for it,
     * no row when it does not exist); the missing grant and its statement, or null.
     */
    private static String granted(Connection c, String role, String service, String object, String verb,
            String privilege, String kind, String query) throws SQLException {
        String schema = object.substring(0, object.indexOf('.'));
        String granted = scalar(c, query, List.of(schema, object.substring(object.indexOf('.') + 1)));
        if (granted == null) {
            LOG.warnf("%s %s %s, which does not exist yet: its owner has not migrated; that fails until it has",
                    service, verb, object);
            return null;
        }
        return "t".equals(granted) ? null
                : privilege + " on " + object + ": GRANT USAGE ON SCHEMA " + schema + " TO " + role + "; GRANT "
                        + privilege + " ON " + kind + object + " TO " + role;
    }

    private static String memberOf(Connection c, String role, String other) throws SQLException {
        if (!"t".equals(scalar(c, "select count(*) > 0 from pg_roles where rolname = ?", List.of(other)))) {
            return "membership in " + other + ", a role that does not exist";
        }
        return "t".equals(scalar(c, "select pg_has_role(current_user, ?, 'USAGE')", List.of(other))) ? null
                : "membership in " + other + ": GRANT " + other + " TO " + role;
    }

    /** The first column of the first row as text ("t"/"f" for booleans), or null when there is no row. */
    private static String scalar(Connection c, String sql, List<String> args) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) {
                p.setString(i + 1, args.get(i));
            }
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
