package org.vigil.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.testing.JavaCommand;
import org.vigil.devstack.testing.ServiceSchemas;
import org.vigil.devstack.testing.SharedServers;

/**
 * Each service's PostgreSQL role (deploy/postgres/roles.sql) owns its own schema and reaches another only through the
 * read views that schema's owner grants it, checked in PostgreSQL itself after every service's real migrations: a
 * migration that grants more, or a role script that forgets a revoke, fails here. And a service whose role lacks a
 * grant does not start: it names the grant.
 */
class DatabaseRolesIT {

    static final Map<String, String> OWNERS = Map.of("vigil_identity", "identity", "vigil_events", "events",
            "vigil_exports", "exports", "vigil_retention", "retention", "vigil_auditor", "");

    /** Besides its own schema, what each role may touch: the views granted to it. */
    static final Map<String, Set<String>> GRANTED = Map.of(
            "vigil_identity", Set.of(),
            "vigil_events", Set.of("retention.v1_active_holds"),
            "vigil_exports", Set.of("events.v1_segments", "events.v1_motion_events", "events.v1_audit_log",
                    "events.v1_site_clocks", "events.v1_bookmarks"),
            "vigil_retention", Set.of("events.v1_segments", "events.v1_motion_events", "exports.v1_finished_jobs"),
            "vigil_auditor", Set.of("events.v1_audit_log"));

    static String url;

    @BeforeAll
    static void migrateEveryService() throws Exception {
        url = "jdbc:" + SharedServers.postgres().freshDatabase("roles");
        ServiceSchemas.identity(url);
        ServiceSchemas.events(url);
        ServiceSchemas.exports(url);
        ServiceSchemas.retention(url);
    }

    @Test
    void eachRoleOwnsItsSchemaAndReachesOthersOnlyThroughTheViewsGrantedToIt() throws Exception {
        try (Connection c = DriverManager.getConnection(url, EmbeddedPostgresServer.SUPERUSER, "");
                Statement s = c.createStatement()) {
            for (var role : OWNERS.entrySet()) {
                String r = role.getKey();
                assertThat(strings(s, "select nspname from pg_namespace where nspowner = '" + r + "'::regrole"))
                        .as("schemas %s owns", r).isEqualTo(role.getValue().isEmpty() ? Set.of()
                                : Set.of(role.getValue()));
                Set<String> reach = strings(s, """
                        select n.nspname || '.' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                        where n.nspname in ('identity', 'events', 'exports', 'retention', 'public')
                          and n.nspname <> '%2$s' and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
                          and has_schema_privilege('%1$s', n.oid, 'USAGE')
                          and (has_table_privilege('%1$s', c.oid, '%3$s') or pg_has_role('%1$s', c.relowner, 'USAGE'))"""
                        .formatted(r, role.getValue(), "SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER"));
                Set<String> expected = new TreeSet<>(GRANTED.get(r));
                assertThat(reach).as("what %s can touch outside its own schema", r).isEqualTo(expected);
                assertThat(strings(s, "select b.rolname from pg_auth_members m join pg_roles a on a.oid = m.member"
                        + " join pg_roles b on b.oid = m.roleid where a.rolname = '" + r + "'"))
                        .as("roles %s is a member of", r).isEmpty();
            }
        }
    }

    @Test
    void retentionNeitherDeletesEventsNorDetachesTheirDays() throws Exception {
        // the event store's days are event-service's to prune (design 0016): retention's role cannot, however asked
        try (Connection c = DriverManager.getConnection(url, "vigil_retention", "");
                Statement s = c.createStatement()) {
            for (String sql : List.of("delete from events.motion_events", "delete from events.snapshots",
                    "truncate events.detections", "alter table events.camera_status detach partition "
                            + "events.camera_status_20000101 concurrently")) {
                assertThatThrownBy(() -> s.execute(sql)).as(sql).isInstanceOfSatisfying(SQLException.class,
                        e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            }
        }
        try (Connection c = DriverManager.getConnection(url, "vigil_events", "");
                Statement s = c.createStatement()) {
            assertThat(strings(s, "select count(*)::text from retention.v1_active_holds")).containsExactly("0");
            s.execute("begin; select retention.v1_lock_holds(); commit");
            assertThatThrownBy(() -> s.executeQuery("select * from retention.holds"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            assertThatThrownBy(() -> s.execute("update retention.v1_active_holds set to_ts = from_ts"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
        }
    }

    @Test
    void aServiceRoleIsRefusedAnotherServicesTables() throws Exception {
        try (Connection c = DriverManager.getConnection(url, "vigil_exports", "");
                Statement s = c.createStatement()) {
            assertThat(strings(s, "select count(*)::text from events.v1_segments")).containsExactly("0");
            assertThatThrownBy(() -> s.executeQuery("select * from events.segments"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            assertThatThrownBy(() -> s.executeQuery("select * from identity.users"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            assertThatThrownBy(() -> s.execute("create schema sneaky"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            assertThatThrownBy(() -> s.execute("create table public.sneaky (x int)"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
        }
    }

    @Test
    void aServiceWhoseRoleLacksAGrantStopsAtStartUpNamingIt() throws Exception {
        String db = SharedServers.postgres().freshDatabase("lacking");
        ServiceSchemas.events("jdbc:" + db);
        try (Connection c = DriverManager.getConnection("jdbc:" + db, EmbeddedPostgresServer.SUPERUSER, "");
                Statement s = c.createStatement()) {
            s.execute("revoke select on events.v1_motion_events from vigil_exports");
        }
        Path log = Path.of("target", "lacking-grant-export-service.log");
        ProcessBuilder pb = new ProcessBuilder(JavaCommand.of("-Xmx256m",
                "-XX:+UseSerialGC", "-jar", Stack.root().resolve("export-service/target/quarkus-app/quarkus-run.jar")
                        .toString())).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(Map.of("DATABASE_URL", db, "KAFKA_BOOTSTRAP_SERVERS",
                SharedServers.kafka().bootstrapServers(), "QUARKUS_HTTP_PORT", "0", "QUARKUS_MANAGEMENT_PORT", "0",
                "VIGIL_EXPORTS_DIR", Files.createTempDirectory("lacking").toString(), "VIGIL_DEV_SIGNING_KEY", "true",
                "VIGIL_DB_GRANT_WAIT", "3s"));
        pb.environment().remove("DATABASE_USER");
        Process p = pb.start();
        try {
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("export-service stops (log: %s)", log).isTrue();
            assertThat(p.exitValue()).isNotZero();
            assertThat(Files.readString(log))
                    .contains("waiting up to PT3S for its database grants")
                    .contains("export-service cannot start: its database role vigil_exports lacks SELECT on "
                            + "events.v1_motion_events")
                    .contains("GRANT SELECT ON events.v1_motion_events TO vigil_exports");
        } finally {
            p.destroyForcibly();
        }
    }

    private static Set<String> strings(Statement s, String sql) throws SQLException {
        Set<String> out = new TreeSet<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
