package org.vigil.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.testing.SharedServers;

/**
 * The read view retention-service uses to place a hold on an export is a contract of the export service (design
 * 0016): a migration that changes its columns fails here, and it shows finished jobs only.
 */
class ExportReadViewsTest {

    @Test
    void theFinishedJobsViewKeepsItsColumnsAndShowsOnlyFinishedJobs() throws Exception {
        EmbeddedPostgresServer pg = SharedServers.postgres();
        String url = "jdbc:" + pg.freshDatabase("views");
        Flyway.configure().dataSource(url, "vigil_exports", "").schemas("exports")
                .defaultSchema("exports").locations("classpath:db/exports").load().migrate();

        try (Connection c = DriverManager.getConnection(url, EmbeddedPostgresServer.SUPERUSER, "")) {
            List<String> columns = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("""
                    select column_name, udt_name from information_schema.columns
                    where table_schema = 'exports' and table_name = 'v1_finished_jobs' order by ordinal_position""");
                    ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1) + " " + rs.getString(2));
                }
            }
            assertThat(columns).containsExactly("id uuid", "cameras _text", "sites _text", "from_ts timestamptz",
                    "to_ts timestamptz");
            for (String state : List.of("queued", "running", "done", "failed", "cancelled")) {
                c.createStatement().execute("insert into exports.jobs (id, state, cameras, sites, from_ts, to_ts, "
                        + "reason, requested_by) values (gen_random_uuid(), '" + state + "', '{cam}', '{hq}', now(), "
                        + "now(), 'case', 'tester')");
            }
            try (ResultSet rs = c.createStatement().executeQuery("select count(*) from exports.v1_finished_jobs")) {
                rs.next();
                assertThat(rs.getLong(1)).as("finished jobs seen through the view").isEqualTo(1);
            }
        }
    }
}
