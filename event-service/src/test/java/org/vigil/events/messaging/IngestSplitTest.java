package org.vigil.events.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.Topics;

/**
 * One consumer reads every topic of the event store (design 0021): a poll batch is split by topic, a site's mirrored
 * copy going with its topic, and stored in a fixed order, events before their snapshots; nothing is dropped.
 */
class IngestSplitTest {

    @Test
    void aMixedBatchIsSplitByTopicInStoringOrderWithSiteCopiesBesideTheirTopic() {
        Map<TopicPartition, List<ConsumerRecord<String, byte[]>>> batch = new LinkedHashMap<>();
        add(batch, Topics.SNAPSHOTS, 3, "snap-1");
        add(batch, Topics.AUDIT, 0, "audit-1");
        add(batch, "north." + Topics.MOTION, 1, "north-motion-1", "north-motion-2");
        add(batch, Topics.MOTION, 1, "motion-1");
        add(batch, Topics.NODE_HEARTBEATS, 2, "beat-1");
        add(batch, "vigil.unknown.v1", 0, "stray-1");

        IngestConsumers.Split split = IngestConsumers.split(new ConsumerRecords<>(batch, Map.of()));

        assertThat(split.parts().keySet()).containsExactly(Topics.MOTION, Topics.SNAPSHOTS, Topics.AUDIT,
                Topics.NODE_HEARTBEATS);
        assertThat(keys(split.parts().get(Topics.MOTION))).containsExactlyInAnyOrder("north-motion-1",
                "north-motion-2", "motion-1");
        assertThat(split.parts().get(Topics.MOTION).partitions()).containsExactlyInAnyOrder(
                new TopicPartition("north." + Topics.MOTION, 1), new TopicPartition(Topics.MOTION, 1));
        assertThat(keys(split.parts().get(Topics.SNAPSHOTS))).containsExactly("snap-1");
        assertThat(split.unexpected()).extracting(ConsumerRecord::key).containsExactly("stray-1");
        int total = split.unexpected().size();
        for (ConsumerRecords<String, byte[]> part : split.parts().values()) {
            total += part.count();
        }
        assertThat(total).as("every record of the batch, once").isEqualTo(7);
    }

    @Test
    void everyTopicReadHasItsPlaceInTheOrderAndEventsComeBeforeTheirSnapshots() {
        assertThat(IngestConsumers.ORDER).containsExactlyInAnyOrder(Topics.MOTION, Topics.DETECTIONS,
                Topics.SNAPSHOTS, Topics.SEGMENTS, Topics.CAMERA_STATUS, Topics.AUDIT, Topics.NODE_HEARTBEATS);
        assertThat(IngestConsumers.ORDER.indexOf(Topics.MOTION)).isLessThan(
                IngestConsumers.ORDER.indexOf(Topics.SNAPSHOTS));
        assertThat(IngestConsumers.ORDER.indexOf(Topics.DETECTIONS)).isLessThan(
                IngestConsumers.ORDER.indexOf(Topics.SNAPSHOTS));
    }

    private static void add(Map<TopicPartition, List<ConsumerRecord<String, byte[]>>> batch, String topic,
            int partition, String... keys) {
        List<ConsumerRecord<String, byte[]>> rs = new ArrayList<>();
        long offset = 0;
        for (String k : keys) {
            rs.add(new ConsumerRecord<>(topic, partition, offset++, k, new byte[] {1}));
        }
        batch.put(new TopicPartition(topic, partition), rs);
    }

    private static List<String> keys(ConsumerRecords<String, byte[]> records) {
        List<String> keys = new ArrayList<>();
        records.forEach(r -> keys.add(r.key()));
        return keys;
    }
}
