package org.vigil.export;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.vigil.devstack.testing.KafkaTestResource;
import org.vigil.devstack.testing.PostgresTestResource;
import org.vigil.devstack.testing.TestTokens;
import org.vigil.devstack.testing.TokenIssuerTestResource;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TokenIssuerTestResource.class)
class ExportServiceTest {

    @Test
    void exposesEveryMetricOfTheCatalog() {
        assertThat(org.vigil.devstack.testing.MetricsCatalog.awaitMissing("export-service",
                () -> io.restassured.RestAssured.get(org.vigil.devstack.testing.Management.url("/q/metrics")).asString(), java.time.Duration.ofSeconds(60)))
                .as("metrics docs/metrics.md lists for export-service but /q/metrics lacks").isEmpty();
    }

    @Test
    void isReadyWithRealChecksOfKafkaPostgresAndTheRecordingsVolume() {
        given().when().get(org.vigil.devstack.testing.Management.url("/q/health/ready")).then().statusCode(200).body("status", equalTo("UP"));
        given().when().get(org.vigil.devstack.testing.Management.url("/q/health/live")).then().statusCode(200);
        given().when().get(org.vigil.devstack.testing.Management.url("/q/health/started")).then().statusCode(200);
    }

    @Test
    void rejectsMissingAndForgedTokens() {
        given().when().get(API).then().statusCode(401);
        given().auth().oauth2(TestTokens.forged("mallory", "admin", "*")).when().get(API).then().statusCode(401);
    }

    private static final String API = "/api/exports/access";

    @Test
    void aViewerMayNotExportAndIsToldWhichRoleMay() {
        given().auth().oauth2(TestTokens.token("vera", "viewer", "hq")).when().get(API).then().statusCode(200)
                .body("canExport", equalTo(false)).body("requiredRole", equalTo("operator"));
    }

    @Test
    void anOperatorMayExportOnTheirSites() {
        given().auth().oauth2(TestTokens.token("olga", "operator", "hq")).when().get(API).then().statusCode(200)
                .body("canExport", equalTo(true)).body("sites", equalTo(java.util.List.of("hq")));
    }
}
