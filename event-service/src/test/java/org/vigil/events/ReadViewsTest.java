package org.vigil.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.testing.SharedServers;

/**
 * The read views other services use are a contract of the event service (design 0016): export-service reads
 * segments, events and the audit log through them, retention-service a camera's site and an event's span. A migration
 * that renames, retypes or drops one of their columns fails here; add a {@code v2_} view beside it instead.
 */
class ReadViewsTest {

    /** Each view, and its columns in order, as "name type" (PostgreSQL's udt names). */
    static final Map<String, List<String>> V1 = new LinkedHashMap<>();

    static {
        V1.put("v1_segments", List.of("segment_id text", "camera_id text", "site text", "root text", "path text",
                "started_at timestamptz", "ended_at timestamptz", "frames int8", "bytes int8", "sha256 text"));
        V1.put("v1_motion_events", List.of("event_id uuid", "camera_id text", "site text", "started_at timestamptz",
                "ended_at timestamptz", "last_at timestamptz", "score float8", "zone text", "labels _text"));
        V1.put("v1_bookmarks", List.of("bookmark_id uuid", "camera_id text", "site text", "at timestamptz",
                "note text", "created_by text", "created_at timestamptz"));
        V1.put("v1_audit_log", List.of("seq int8", "id uuid", "at timestamptz", "service text", "actor text",
                "action text", "target text", "site text", "outcome text", "details jsonb", "prev_hash text",
                "hash text"));
    }

    @Test
    void theViewsOtherServicesReadKeepTheirColumns() throws Exception {
        EmbeddedPostgresServer pg = SharedServers.postgres();
        String url = "jdbc:" + pg.freshDatabase("views");
        Flyway.configure().dataSource(url, "vigil_events", "").schemas("events").defaultSchema("events")
                .locations("classpath:db/migration").load().migrate();

        try (Connection c = DriverManager.getConnection(url, EmbeddedPostgresServer.SUPERUSER, "")) {
            for (Map.Entry<String, List<String>> view : V1.entrySet()) {
                assertThat(columns(c, view.getKey())).as("columns of events." + view.getKey())
                        .containsExactlyElementsOf(view.getValue());
            }
            // and they read the tables: a row written to segments is seen through the view
            c.createStatement().execute("""
                    insert into events.segments (segment_id, camera_id, site, root, path, started_at, ended_at, frames,
                                                 bytes, sha256, codec, width, height)
                    values ('s1', 'cam', 'hq', '/rec', 'hq/cam/a.avi', now(), now(), 1, 2, 'ab', 'h264', 640, 360)""");
            try (ResultSet rs = c.createStatement().executeQuery(
                    "select site, bytes from events.v1_segments where segment_id = 's1'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("hq");
                assertThat(rs.getLong(2)).isEqualTo(2);
            }
        }
    }

    private static List<String> columns(Connection c, String view) throws Exception {
        List<String> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("""
                select column_name, udt_name from information_schema.columns
                where table_schema = 'events' and table_name = ? order by ordinal_position""")) {
            s.setString(1, view);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1) + " " + rs.getString(2));
                }
            }
        }
        return out;
    }
}
