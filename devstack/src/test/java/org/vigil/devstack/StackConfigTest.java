package org.vigil.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
