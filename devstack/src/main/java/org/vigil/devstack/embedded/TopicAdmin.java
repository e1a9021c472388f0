package org.vigil.devstack.embedded;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.vigil.contracts.Topics;
import org.vigil.contracts.Topics.TopicSpec;

/** Creates Vigil's topics (those missing) on any Kafka cluster, embedded or external. */
public final class TopicAdmin {

    private TopicAdmin() {
    }

    /**
     * Creates every topic of {@link Topics#ALL} that does not exist yet, with its partitions, cleanup policy and
     * retention; leaves existing topics untouched.
     *
     * @param mediaRetention overrides the media topic's retention (how far a lagging recorder can catch up)
     * @return the names of the topics created
     */
    public static List<String> ensureTopics(String bootstrapServers, short replication, Duration mediaRetention,
            Duration timeout) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 15_000));
        try (Admin admin = Admin.create(p)) {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (TopicSpec spec : Topics.ALL) {
                if (!existing.contains(spec.name())) {
                    Duration retention = spec.name().equals(Topics.MEDIA) && mediaRetention != null ? mediaRetention
                            : spec.retention();
                    missing.add(new NewTopic(spec.name(), spec.partitions(), replication).configs(configs(spec, retention,
                            replication)));
                }
            }
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                        throw e;
                    }
                }
            }
            return missing.stream().map(NewTopic::name).toList();
        } catch (TimeoutException e) {
            throw new TimeoutException("Kafka at " + bootstrapServers + " did not answer within " + timeout.toSeconds()
                    + " s");
        }
    }

    private static Map<String, String> configs(TopicSpec spec, Duration retention, short replication) {
        Map<String, String> c = new HashMap<>();
        if (replication >= 3) {
            // With acks=all (the producers' default), a write is acknowledged once 2 replicas hold it: one broker may
            // die without losing it, and the partition keeps taking writes (design 0017, section 4).
            c.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2");
        }
        c.put(TopicConfig.CLEANUP_POLICY_CONFIG, spec.cleanupPolicy());
        if (retention != null) {
            c.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()));
            // Retention deletes whole log segments: roll them often enough that old data actually goes.
            c.put(TopicConfig.SEGMENT_MS_CONFIG, Long.toString(Math.max(60_000, Math.min(retention.toMillis() / 3,
                    Duration.ofHours(6).toMillis()))));
        }
        if (spec.name().equals(Topics.MEDIA)) {
            c.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(8 * 1024 * 1024));
        }
        if (spec.compacted()) {
            c.put(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "0");
            c.put(TopicConfig.SEGMENT_MS_CONFIG, Long.toString(Duration.ofHours(1).toMillis()));
        }
        return c;
    }
}
