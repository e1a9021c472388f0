package org.vigil.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.Test;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.testing.SharedServers;

/**
 * Upgrading a store that has rows in the default partitions of the tables retention prunes by day (V4 removes those
 * partitions): every row is still there afterwards, in a partition of its own UTC day, and segments and the audit log
 * keep their default partitions. Runs the service's real migrations on a database of its own.
 */
class SchemaMigrationTest {

    @Test
    void rowsOfTheRemovedDefaultPartitionsMoveIntoTheirDays() throws Exception {
        EmbeddedPostgresServer pg = SharedServers.postgres();
        String url = "jdbc:" + pg.freshDatabase("migration");
        migrate(url, "3");
        try (Connection c = DriverManager.getConnection(url, EmbeddedPostgresServer.SUPERUSER, "");
                Statement s = c.createStatement()) {
            // 300 and 301 days ago: no day partitions there, so the rows sit in the default partitions; one crosses
            // a UTC midnight by its time, not by the session's time zone
            s.execute("set time zone 'America/New_York'");
            s.execute("""
                    insert into events.motion_events (event_id, camera_id, site, started_at, last_at, score)
                    select gen_random_uuid(), 'cam', 'hq', t, t, 0.5 from (values
                        (date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' - interval '300 days'
                            + interval '23 hours 59 minutes'),
                        (date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' - interval '299 days'),
                        (date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' - interval '301 days')) v(t)""");
            s.execute("""
                    insert into events.camera_status (camera_id, at, site, state, fps, width, height)
                    values ('cam', now() - interval '300 days', 'hq', 'online', 15, 640, 360)""");
            s.execute("""
                    insert into events.detections (camera_id, at, site, detector, objects)
                    values ('cam', now() - interval '300 days', 'hq', 'test', '[]')""");
            assertThat(count(s, "select count(*) from events.motion_events_default")).isEqualTo(3);
        }

        migrate(url, null);

        try (Connection c = DriverManager.getConnection(url, EmbeddedPostgresServer.SUPERUSER, "");
                Statement s = c.createStatement()) {
            assertThat(count(s, "select count(*) from events.motion_events")).isEqualTo(3);
            assertThat(count(s, "select count(*) from events.camera_status")).isEqualTo(1);
            assertThat(count(s, "select count(*) from events.detections")).isEqualTo(1);
            assertThat(count(s, """
                    select count(*) from events.motion_events x join pg_class c on c.oid = x.tableoid
                    where c.relname = 'motion_events_' || to_char(x.started_at at time zone 'UTC', 'YYYYMMDD')"""))
                    .as("each row in the partition named after its UTC day").isEqualTo(3);
            assertThat(count(s, """
                    select count(*) from pg_inherits i join pg_class c on c.oid = i.inhrelid
                    where c.relname like '%\\_default'""")).as("only segments and audit_log keep one").isEqualTo(2);
            assertThat(count(s, "select count(*) from pg_class where relname in ('motion_events_default', "
                    + "'camera_status_default', 'detections_default')")).isZero();
        }
    }

    private static long count(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The event service's migrations, from its source folder, up to {@code target} (null: all). */
    private static void migrate(String url, String target) {
        var config = Flyway.configure().dataSource(url, "vigil_events", "").schemas("events")
                .defaultSchema("events")
                .locations("filesystem:" + Path.of("src/main/resources/db/migration").toAbsolutePath());
        if (target != null) {
            config.target(MigrationVersion.fromVersion(target));
        }
        config.load().migrate();
    }
}
