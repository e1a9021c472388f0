package org.vigil.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.testing.SharedServers;

/**
 * {@code events.v1_delete_segments}, the one way retention-service deletes segment index rows (design 0016): by key,
 * never a row one of the given holds covers (bounds inclusive), returning what it deleted; callable by retention's
 * role and nobody else's.
 */
class SegmentDeletionTest {

    private static final String DELETE = "select segment_id from events.v1_delete_segments(?::text[], "
            + "?::timestamptz[], ?::jsonb) order by 1";

    @Test
    void deletesByKeyEveryNamedRowNoHoldCoversAndReturnsThem() throws Exception {
        String url = "jdbc:" + SharedServers.postgres().freshDatabase("segment_deletion");
        Flyway.configure().dataSource(url, "vigil_events", "").schemas("events").defaultSchema("events")
                .locations("classpath:db/migration").load().migrate();
        try (Connection su = DriverManager.getConnection(url, EmbeddedPostgresServer.SUPERUSER, "")) {
            su.createStatement().execute("""
                    insert into events.segments (segment_id, camera_id, site, root, path, started_at, ended_at, frames,
                                                 bytes, sha256, codec, width, height)
                    select id, cam, 'hq', '/rec', id || '.avi', t, t + interval '1 minute', 1, 10, 'ab', 'h264', 640, 360
                    from (values ('a1', 'cam-a', timestamptz '2026-01-01 10:00Z'),
                                 ('a2', 'cam-a', timestamptz '2026-01-01 10:01Z'),
                                 ('a3', 'cam-a', timestamptz '2026-01-01 10:05Z'),
                                 ('b1', 'cam-b', timestamptz '2026-01-01 10:01Z')) v(id, cam, t)""");
        }
        // a hold on cam-a that only touches a2's end (10:02): a2 is kept; b1, at the same time on cam-b, is not held
        String holds = """
                [{"cameras": ["cam-a", "cam-x"], "from": "2026-01-01T10:02:00Z", "to": "2026-01-01T10:03:00Z"}]""";
        try (Connection retention = DriverManager.getConnection(url, "vigil_retention", "")) {
            assertThat(delete(retention, List.of("a1", "a2", "a3", "b1", "nope"), List.of("2026-01-01 10:00Z",
                    "2026-01-01 10:01Z", "2026-01-01 10:05Z", "2026-01-01 10:01Z", "2026-01-01 10:00Z"), holds))
                    .as("deleted: every named row but the held one").containsExactly("a1", "a3", "b1");
            assertThat(delete(retention, List.of("a2"), List.of("2026-01-01 10:01Z"), null))
                    .as("with no hold any more, a2 goes too").containsExactly("a2");
            assertThat(delete(retention, List.of("a2"), List.of("2026-01-01 10:01Z"), "[]"))
                    .as("a row deleted already is not returned again").isEmpty();
        }
        try (Connection exports = DriverManager.getConnection(url, "vigil_exports", "")) {
            assertThatThrownBy(() -> delete(exports, List.of("x"), List.of("2026-01-01 10:00Z"), "[]"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
        }
    }

    private static List<String> delete(Connection c, List<String> ids, List<String> started, String holds)
            throws SQLException {
        try (PreparedStatement p = c.prepareStatement(DELETE)) {
            p.setArray(1, c.createArrayOf("text", ids.toArray()));
            p.setArray(2, c.createArrayOf("text", started.toArray()));
            p.setString(3, holds);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }
}
