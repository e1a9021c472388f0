package org.vigil.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.vigil.devstack.launcher.LaunchException;
import org.vigil.devstack.launcher.StackConfig;

class StackConfigTest {

    @Test
    void defaultsToEmbeddedServersAndTheDocumentedPorts() {
        StackConfig c = StackConfig.fromEnvironment(Map.of("VIGIL_ROOT", "/opt/vigil"));
        assertThat(c.gateway().port()).isEqualTo(8080);
        assertThat(c.home().toString()).isEqualTo("/opt/vigil/.vigil");
        assertThat(c.kafkaBootstrap()).isEqualTo("127.0.0.1:19092");
        assertThat(c.externalKafka()).isEmpty();
        assertThat(c.databaseUrl()).isEqualTo("postgresql://127.0.0.1:15432/vigil");
    }

    @Test
    void externalAddressesReplaceEmbeddedServers() {
        StackConfig c = StackConfig.fromEnvironment(Map.of("VIGIL_ROOT", "/opt/vigil",
                "KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092", "DATABASE_URL", "postgresql://db:5432/vigil",
                "REDIS_URL", "redis://cache:6379"));
        assertThat(c.kafkaBootstrap()).isEqualTo("kafka-1:9092");
        assertThat(c.externalDatabaseUrl()).contains("postgresql://db:5432/vigil");
        assertThat(c.redisUrl()).isEqualTo("redis://cache:6379");
    }

    @Test
    void badPortNamesTheVariable() {
        assertThatThrownBy(() -> StackConfig.fromEnvironment(Map.of("VIGIL_ROOT", "/x", "GATEWAY_PORT", "80800")))
                .isInstanceOf(LaunchException.class).hasMessageContaining("GATEWAY_PORT=80800");
    }

    @Test
    void aSiteNodeRunsCaptureAndRecorderOnItsOwnKafkaLinkedToCentral() {
        StackConfig plain = StackConfig.fromEnvironment(Map.of("VIGIL_ROOT", "/opt/vigil"));
        assertThat(plain.withUpOptions(List.of())).isSameAs(plain);
        StackConfig c = StackConfig.fromEnvironment(Map.of("VIGIL_ROOT", "/opt/vigil", "VIGIL_BIND", "10.8.0.5"))
                .withUpOptions(List.of("--site", "north", "--central", "https://central.example"));
        assertThat(c.services()).extracting(StackConfig.Service::name).containsExactly("capture-service",
                "recorder-service");
        StackConfig.SiteNode node = c.siteNode().orElseThrow();
        assertThat(node.id()).isEqualTo("north");
        assertThat(node.central()).hasToString("https://central.example");
        assertThat(node.kafkaWan()).isEqualTo("10.8.0.5:19094@10.8.0.5:19094");
        assertThatThrownBy(c::gateway).isInstanceOf(IllegalStateException.class);
        // behind a NAT or a relay, central dials another address
        assertThat(StackConfig.fromEnvironment(Map.of("VIGIL_ROOT", "/x", "VIGIL_BIND", "0.0.0.0", "KAFKA_WAN_PORT",
                "9094", "KAFKA_WAN_ADVERTISED", "north.example:443")).withUpOptions(List.of("--central",
                        "http://c:8080", "--site", "north")).siteNode().orElseThrow().kafkaWan())
                .isEqualTo("0.0.0.0:9094@north.example:443");
    }

    @Test
    void aSiteNodesOptionsAreCheckedAndTheMistakeNamed() {
        StackConfig c = StackConfig.fromEnvironment(Map.of("VIGIL_ROOT", "/opt/vigil"));
        assertThatThrownBy(() -> c.withUpOptions(List.of("--site", "north"))).isInstanceOf(LaunchException.class)
                .hasMessageContaining("needs both --site <id> and --central");
        assertThatThrownBy(() -> c.withUpOptions(List.of("--site", "North", "--central", "http://c:8080")))
                .hasMessageContaining("site id 'North'");
        assertThatThrownBy(() -> c.withUpOptions(List.of("--site", "north", "--central", "c:8080")))
                .hasMessageContaining("--central must be central's gateway");
        assertThatThrownBy(() -> c.withUpOptions(List.of("--central"))).hasMessageContaining("--central needs a value");
        assertThatThrownBy(() -> c.withUpOptions(List.of("--sight", "north"))).hasMessageContaining(
                "unknown option '--sight'");
        assertThatThrownBy(() -> StackConfig.fromEnvironment(Map.of("VIGIL_ROOT", "/x", "KAFKA_WAN_ADVERTISED",
                "north")).withUpOptions(List.of("--site", "north", "--central", "http://c:8080")))
                .hasMessageContaining("KAFKA_WAN_ADVERTISED=north is not host:port");
    }
}
