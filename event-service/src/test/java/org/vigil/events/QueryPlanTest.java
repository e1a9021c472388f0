package org.vigil.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.testing.KafkaTestResource;
import org.vigil.devstack.testing.PostgresTestResource;
import org.vigil.devstack.testing.RedisTestResource;
import org.vigil.devstack.testing.TokenIssuerTestResource;
import org.vigil.events.repository.EventRepository;

/**
 * The event queries' plans on a quarter of a million motion events over ten days: each is served by an index (no sequential scan
 * of a day partition) and a time window touches only its days' partitions. Prints each plan's execution time.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(TokenIssuerTestResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryPlanTest {

    /** A quarter of a million: 25,000 a day partition, far past where a sequential scan would be chosen if it could. */
    private static final int ROWS = 250_000;
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.HOURS);

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;

    @BeforeAll
    void fill() throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, EmbeddedPostgresServer.SUPERUSER, ""); Statement s = c.createStatement()) {
            s.execute("select events.ensure_partitions('motion_events', 11, 1)");
            long t0 = System.nanoTime();
            // ten days of events on 5 sites and 20 cameras; one in 50 saw a person
            s.execute("insert into events.motion_events (event_id, camera_id, site, started_at, last_at, score, labels)"
                    + " select gen_random_uuid(), 'plan-cam-' || (i % 20), 'plan-site-' || (i % 5), t, t, 0.1,"
                    + " case when i % 50 = 0 then '{person}'::text[] else '{}'::text[] end"
                    + " from (select i, timestamptz '" + NOW + "' - (i * interval '" + 864_000_000L / ROWS + " milliseconds') as t"
                    + "       from generate_series(1, " + ROWS + ") i) g");
            s.execute("analyze events.motion_events");
            System.out.printf("inserted %d motion events over 10 days in %.1f s%n", ROWS, (System.nanoTime() - t0)
                    / 1e9);
        }
    }

    private String plan(EventRepository.Search search) throws Exception {
        EventRepository.Query q = EventRepository.query(search);
        String sql = q.sql();
        for (int i = q.params().size(); i >= 1; i--) {
            Object v = q.params().get(i - 1);
            String lit = v instanceof OffsetDateTime t ? "'" + t + "'::timestamptz"
                    : v instanceof UUID u ? "'" + u + "'::uuid" : "'" + v.toString().replace("'", "''") + "'";
            sql = sql.replace("$" + i, lit);
        }
        StringBuilder out = new StringBuilder();
        try (Connection c = DriverManager.getConnection(jdbcUrl, EmbeddedPostgresServer.SUPERUSER, "");
                ResultSet rs = c.createStatement().executeQuery("explain (analyze, costs off) " + sql)) {
            while (rs.next()) {
                out.append(rs.getString(1)).append('\n');
            }
        }
        return out.toString();
    }

    /** Day partitions holding data (an empty one may be read sequentially: there is nothing to read). */
    private List<String> filledPartitions() throws Exception {
        List<String> out = new java.util.ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, EmbeddedPostgresServer.SUPERUSER, "");
                ResultSet rs = c.createStatement().executeQuery("select relname from pg_class where relname ~ "
                        + "'^motion_events_[0-9]{8}$' and reltuples > 1000")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        assertThat(out).as("the data spans day partitions").hasSizeGreaterThanOrEqualTo(10);
        return out;
    }

    private void servedByIndexes(String what, String plan) throws Exception {
        System.out.println("-- " + what + "\n" + plan);
        for (String partition : filledPartitions()) {
            assertThat(plan).as(what).doesNotContain("Seq Scan on " + partition + " ");
        }
        assertThat(plan).as(what).containsPattern("Index (Only )?Scan|Bitmap Index Scan");
    }

    @Test
    void aSitesNewestPageReadsOnlyItsIndexWithoutSorting() throws Exception {
        String p = plan(new EventRepository.Search(Set.of("plan-site-1"), null, null, null, null, "plan-user", Instant.EPOCH,
                Instant.parse("9999-01-01T00:00:00Z"), null, null, 51));
        servedByIndexes("newest page of one site", p);
        assertThat(p).doesNotContain("Sort Method");
    }

    @Test
    void theNextPageStartsFromTheCursorInTheIndex() throws Exception {
        String p = plan(new EventRepository.Search(Set.of("plan-site-2"), null, null, null, null, "plan-user", Instant.EPOCH,
                Instant.parse("9999-01-01T00:00:00Z"), NOW.minus(5, ChronoUnit.DAYS), UUID.randomUUID(), 51));
        servedByIndexes("a page deep in the keyset", p);
        assertThat(p).doesNotContain("Sort Method");
        // partitions newer than the cursor are pruned at run time or never started
        assertThat(p).contains("Limit");
    }

    @Test
    void aTimeWindowTouchesOnlyItsDays() throws Exception {
        Instant from = NOW.minus(3, ChronoUnit.DAYS).minus(2, ChronoUnit.HOURS);
        Instant to = from.plus(1, ChronoUnit.HOURS);
        String p = plan(new EventRepository.Search(null, null, null, null, null, "plan-user", from, to, null, null, 51));
        servedByIndexes("one hour, all sites", p);
        long partitions = p.lines().filter(l -> l.contains(" on motion_events_2")).map(l -> l.replaceAll(
                ".* on (motion_events_\\d{8}).*", "$1")).distinct().count();
        assertThat(partitions).as("day partitions in the plan").isLessThanOrEqualTo(2);
    }

    @Test
    void cameraTypeAndSeveralSitesAreServedByIndexes() throws Exception {
        servedByIndexes("one camera", plan(new EventRepository.Search(null, "plan-cam-7", null, null, null, "plan-user", Instant.EPOCH,
                Instant.parse("9999-01-01T00:00:00Z"), null, null, 51)));
        servedByIndexes("people on two sites", plan(new EventRepository.Search(List.of("plan-site-0",
                "plan-site-3"), null, "person", null, null, "plan-user", NOW.minus(2, ChronoUnit.DAYS), NOW, null, null, 51)));
        servedByIndexes("not reviewed by me, one site", plan(new EventRepository.Search(Set.of("plan-site-1"), null,
                null, null, org.vigil.events.ReviewState.NOT_MINE, "plan-user", Instant.EPOCH,
                Instant.parse("9999-01-01T00:00:00Z"), null, null, 51)));
        servedByIndexes("three sites", plan(new EventRepository.Search(List.of("plan-site-0", "plan-site-3",
                "plan-site-4"), null, null, null, null, "plan-user", Instant.EPOCH, Instant.parse("9999-01-01T00:00:00Z"), null, null, 51)));
    }

    @Test
    void anEventIsFoundByIdInEveryPartitionsIndex() throws Exception {
        String p;
        try (Connection c = DriverManager.getConnection(jdbcUrl, EmbeddedPostgresServer.SUPERUSER, "");
                ResultSet rs = c.createStatement().executeQuery("explain (analyze, costs off) select * from "
                        + "events.motion_events where event_id = '" + UUID.randomUUID() + "'")) {
            StringBuilder b = new StringBuilder();
            while (rs.next()) {
                b.append(rs.getString(1)).append('\n');
            }
            p = b.toString();
        }
        servedByIndexes("event by id", p);
    }
}
