package org.vigil.retention;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.Alert;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.Json;
import org.vigil.contracts.Topics;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.testing.KafkaTestResource;
import org.vigil.devstack.testing.PostgresTestResource;
import org.vigil.devstack.testing.ServiceSchemas;
import org.vigil.devstack.testing.TestTokens;
import org.vigil.devstack.testing.TokenIssuerTestResource;
import org.vigil.devstack.testing.TopicProbe;
import org.vigil.retention.service.DiskPressure;
import org.vigil.retention.service.PruneReport;
import org.vigil.retention.service.Pruner;

/**
 * The low-disk path on a real disk and real PostgreSQL and Kafka: space is freed oldest first and only as much as
 * needed, never from held footage; when only held footage is left the alert is raised rather than anything held being
 * deleted. The threshold is set so high that this machine's disk is "low" whatever its free space.
 */
@QuarkusTest
@TestProfile(LowDiskTest.AlwaysLow.class)
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TokenIssuerTestResource.class)
class LowDiskTest {

    public static class AlwaysLow implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // a floor above what any test disk has free: always within 10 % of it, so everything unheld may go
            return Map.of("vigil.retention.min-headroom-hours", "24", "vigil.retention.min-free", "100T");
        }
    }


    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;

    @ConfigProperty(name = "vigil.retention.recordings-dir")
    Path recordings;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    Pruner pruner;

    @Inject
    DiskPressure disk;

    @Test
    void spaceIsFreedOldestFirstAndHeldFootageIsNeverTouchedEvenWhenTheDiskStaysLow() throws Exception {
        ServiceSchemas.events(jdbcUrl);
        Instant now = Instant.now();
        List<Path> files = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, EmbeddedPostgresServer.SUPERUSER, "")) {
            c.createStatement().execute("delete from events.segments"); // this test owns the whole index
            for (int minutesAgo : new int[] {180, 120, 90, 30}) {
                files.add(Recordings.segment(jdbcUrl, recordings, "lowcam", "hq",
                        now.minus(Duration.ofMinutes(minutesAgo)), true));
            }
        }
        Instant held = now.minus(Duration.ofMinutes(180));
        given().auth().oauth2(TestTokens.token("olga", "operator", "hq")).contentType(ContentType.JSON)
                .body(Map.of("cameraId", "lowcam", "from", held.toString(), "to", held.plusSeconds(60).toString(),
                        "caseId", "CASE-L", "reason", "vandalism"))
                .when().post("/api/retention/holds").then().statusCode(201);

        // oldest unheld first, and only as much as asked: 1500 bytes takes the two 1000-byte segments after the held one
        PruneReport.Emergency e = pruner.freeSpace(1500, "system");
        assertThat(e.deleted().segments()).isEqualTo(2);
        assertThat(e.exhausted()).isFalse();
        assertThat(files.get(0)).as("held, though the oldest").exists();
        assertThat(files.get(1)).doesNotExist();
        assertThat(files.get(2)).doesNotExist();
        assertThat(files.get(3)).as("newer than what was needed").exists();

        // free space under the floor cannot be restored: everything unheld goes, then the alert; the held one stays
        DiskPressure.Status s = disk.check();
        assertThat(s.low()).isTrue();
        assertThat(files.get(3)).doesNotExist();
        assertThat(files.get(0)).exists();
        assertThat(disk.alertRaised()).isTrue();
        Alert raised = TopicProbe.await(bootstrap, Topics.ALERTS, Duration.ofSeconds(30), r -> {
            Alert a = Json.read(r.value(), Alert.class);
            return a.kind().equals(Alert.DISK_FULL_OF_KEPT) ? a : null;
        });
        assertThat(raised.state()).isEqualTo(Alert.State.RAISED);
        assertThat(raised.message()).contains("legal hold");
        AuditEntry run = TopicProbe.await(bootstrap, Topics.AUDIT, Duration.ofSeconds(30), r -> {
            AuditEntry a = Json.read(r.value(), AuditEntry.class);
            return a.action().equals("retention.run") && "low_disk".equals(a.details().get("trigger"))
                    && "1".equals(a.details().get("byLowDisk")) ? a : null;
        });
        assertThat(run.actor()).isEqualTo("system");
        given().auth().oauth2(TestTokens.token("vera", "viewer", "hq")).when().get("/api/retention/status").then()
                .statusCode(200).body("low", equalTo(true)).body("onlyHeldLeft", equalTo(true))
                .body("heldBytes", equalTo(1000));
    }
}
