package org.vigil.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vigil.devstack.embedded.EmbeddedKafka;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.embedded.TopicAdmin;
import org.vigil.devstack.testing.PostgresStandby;
import org.vigil.devstack.testing.SharedServers;

/**
 * Central's PostgreSQL survives losing its server (issue 20, design 0017 section 4). A primary with a synchronous
 * streaming standby; the packaged event-service reaches them through one multi-host {@code DATABASE_URL} and ingests
 * motion events sent at 50 a second. Midway the primary's postmaster is killed with SIGKILL and the standby is
 * promoted. Then:
 * <ul>
 * <li>event-service finds the promoted server by itself (no restart, no configuration change);</li>
 * <li>every event Kafka acknowledged is stored exactly once on the new primary (by id): none that the old primary had
 * committed was lost;</li>
 * <li>the outage is reported: from the kill to the first event stored on the new primary.</li>
 * </ul>
 */
class PostgresFailoverIT {

    private static final String SITE = "failover";
    private static final String CAMERA = "cam-failover";
    private static final int PER_SECOND = 50;
    private static final Duration BEFORE_KILL = Duration.ofSeconds(10);
    private static final Duration AFTER_KILL = Duration.ofSeconds(15);

    private final Path home = Path.of("target", "postgres-failover-it").toAbsolutePath();
    private final Opened opened = new Opened();

    @AfterEach
    void tearDown() {
        opened.close();
    }

    @Test
    void thePrimaryKilledAndTheStandbyPromotedLosesNoAcknowledgedEvent() throws Exception {
        WholeStackIT.deleteTree(home);
        Files.createDirectories(home);
        EmbeddedKafka kafka = opened.add(new EmbeddedKafka(home.resolve("kafka"), SharedServers.freePort(),
                SharedServers.freePort()));
        kafka.start();
        TopicAdmin.ensureTopics(kafka.bootstrapServers(), (short) 1, Duration.ofHours(1), Duration.ofSeconds(30));

        EmbeddedPostgresServer primary = opened.add(new EmbeddedPostgresServer(home.resolve("pg-primary"),
                SharedServers.freePort(), home.resolve("pg-primary.log")));
        primary.start();
        PostgresStandby standby = opened.add(PostgresStandby.start(primary, home.resolve("pg-standby"),
                SharedServers.freePort(), home.resolve("pg-standby.log")));
        standby.synchronous();
        CentralEvents events = CentralEvents.start(opened, kafka.bootstrapServers(), "postgresql://127.0.0.1:"
                + primary.port() + ",127.0.0.1:" + standby.port() + "/" + EmbeddedPostgresServer.DATABASE,
                home.resolve("event-service.log"), Map.of()).ready();

        Instant[] killedAt = {null};
        Instant[] promotedAt = {null};
        int total = (int) (BEFORE_KILL.toSeconds() + AFTER_KILL.toSeconds()) * PER_SECOND;
        PacedMotion.Sent sent = PacedMotion.send(kafka.bootstrapServers(), CAMERA, SITE, PER_SECOND, total,
                (int) BEFORE_KILL.toSeconds() * PER_SECOND, () -> {
                    // the precondition, not a timing claim: on a loaded machine the consumer's first assignment can
                    // take longer than the ten seconds of sending, so the kill waits for the primary to hold events
                    Stack.await("events stored on the primary before the kill", Duration.ofSeconds(90),
                            () -> !PacedMotion.storedIds(jdbc(primary.port()), SITE).isEmpty());
                    ProcessHandle postmaster = primary.process().orElseThrow();
                    postmaster.destroyForcibly();
                    postmaster.onExit().get(30, TimeUnit.SECONDS);
                    killedAt[0] = Instant.now();
                    standby.promote(); // what a failover manager (Patroni, the operator) does once it sees the loss
                    promotedAt[0] = Instant.now();
                });
        Map<String, Long> acked = sent.ackedAt();
        assertThat(sent.failed()).isEmpty();
        assertThat(standby.inRecovery()).as("the standby, promoted").isFalse();

        String promoted = jdbc(standby.port());
        Stack.await("every acknowledged event stored on the promoted server", Duration.ofSeconds(120),
                () -> PacedMotion.storedIds(promoted, SITE).size() >= acked.size());
        List<String> stored = PacedMotion.storedIds(promoted, SITE);
        assertThat(stored).as("no event stored twice").doesNotHaveDuplicates();
        assertThat(new HashSet<>(stored)).as("every acknowledged event stored, and nothing else")
                .isEqualTo(acked.keySet());
        assertThat(events.process().isAlive()).as("event-service rode through the failover without a restart")
                .isTrue();
        assertThat(Files.readString(events.log())).as("event-service found the promoted server by itself")
                .contains("PostgreSQL primary is now 127.0.0.1:" + standby.port());

        Instant firstAfter = firstStoredAfter(promoted, killedAt[0]);
        System.out.printf("PostgreSQL primary SIGKILLed during ingest at %d events/s, its synchronous standby promoted "
                + "%.1f s later: %d of %d acknowledged events stored once on the promoted server, 0 lost; outage "
                + "(the kill to the first event stored on the new primary) %.1f s; event-service reconnected through "
                + "the multi-host DATABASE_URL without a restart%n", PER_SECOND,
                Duration.between(killedAt[0], promotedAt[0]).toMillis() / 1000.0, stored.size(), acked.size(),
                Duration.between(killedAt[0], firstAfter).toMillis() / 1000.0);
    }

    private static Instant firstStoredAfter(String store, Instant t) throws Exception {
        try (Connection c = DriverManager.getConnection(store, EmbeddedPostgresServer.SUPERUSER, "");
                ResultSet rs = c.createStatement().executeQuery(
                "select min(stored_at) from events.motion_events where site = '" + SITE + "' and stored_at > '"
                        + t + "'")) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        }
    }

    private static String jdbc(int port) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + EmbeddedPostgresServer.DATABASE;
    }
}
