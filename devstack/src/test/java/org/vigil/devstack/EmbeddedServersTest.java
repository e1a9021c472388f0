package org.vigil.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.Topics;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.embedded.EmbeddedRedisServer;
import org.vigil.devstack.embedded.TopicAdmin;
import org.vigil.devstack.testing.SharedServers;

class EmbeddedServersTest {

    @Test
    void kafkaHasEveryTopicWithItsPartitionsAndCleanupPolicy() throws Exception {
        String bootstrap = SharedServers.kafka().bootstrapServers();
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            Map<String, TopicDescription> topics = admin.describeTopics(Topics.ALL.stream().map(Topics.TopicSpec::name)
                    .toList()).allTopicNames().get(30, TimeUnit.SECONDS);
            for (Topics.TopicSpec spec : Topics.ALL) {
                assertThat(topics.get(spec.name()).partitions()).as(spec.name()).hasSize(spec.partitions());
            }
            ConfigResource cameras = new ConfigResource(ConfigResource.Type.TOPIC, Topics.CAMERAS);
            ConfigResource media = new ConfigResource(ConfigResource.Type.TOPIC, Topics.MEDIA);
            Map<ConfigResource, Config> cfg = admin.describeConfigs(java.util.List.of(cameras, media)).all()
                    .get(30, TimeUnit.SECONDS);
            assertThat(cfg.get(cameras).get("cleanup.policy").value()).isEqualTo("compact");
            assertThat(cfg.get(media).get("cleanup.policy").value()).isEqualTo("delete");
            assertThat(Long.parseLong(cfg.get(media).get("retention.ms").value()))
                    .isGreaterThanOrEqualTo(Duration.ofMinutes(10).toMillis());
        }
    }

    @Test
    void ensuringTopicsAgainCreatesNothing() throws Exception {
        String bootstrap = SharedServers.kafka().bootstrapServers();
        assertThat(TopicAdmin.ensureTopics(bootstrap, (short) 1, null, Duration.ofSeconds(30))).isEmpty();
    }

    @Test
    void postgresHasTheVigilDatabaseOwnedByTheVigilRole() throws Exception {
        EmbeddedPostgresServer pg = SharedServers.postgres();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), EmbeddedPostgresServer.USER, "");
                ResultSet rs = c.createStatement().executeQuery(
                        "select current_database(), current_user, current_setting('server_version_num')::int")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("vigil");
            assertThat(rs.getString(2)).isEqualTo("vigil");
            assertThat(rs.getInt(3)).isGreaterThanOrEqualTo(170000);
        }
    }

    @Test
    void redisAnswersPing() {
        EmbeddedRedisServer redis = SharedServers.redis();
        assertThat(EmbeddedRedisServer.ping(redis.port(), Duration.ofSeconds(2))).isTrue();
    }
}
