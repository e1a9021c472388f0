package org.vigil.gateway.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.Topics;

/** The previews reader holds no partition while nobody watches, and starts from the newest picture when someone does. */
class PreviewFollowTest {

    private final TopicPartition p0 = new TopicPartition(Topics.PREVIEWS, 0);
    private final TopicPartition p1 = new TopicPartition(Topics.PREVIEWS, 1);
    private final List<TopicPartition> parts = List.of(p0, p1);

    @Test
    void nothingHeldWithoutViewersTakenFromTheEndWithThemLetGoAgainWhenTheyLeave() {
        MockConsumer<String, byte[]> c = new MockConsumer<>(OffsetResetStrategy.NONE);
        c.updateBeginningOffsets(Map.of(p0, 0L, p1, 0L));
        c.updateEndOffsets(Map.of(p0, 40L, p1, 7L));

        boolean idle = PreviewConsumer.follow(c, parts, true, false);
        assertThat(idle).isTrue();
        assertThat(c.assignment()).as("nobody watches: nothing held").isEmpty();

        idle = PreviewConsumer.follow(c, parts, idle, true);
        assertThat(idle).isFalse();
        assertThat(c.assignment()).as("a viewer: read").containsExactlyInAnyOrderElementsOf(parts);
        assertThat(c.paused()).isEmpty();
        assertThat(c.position(p0)).as("old pictures skipped: the newest on").isEqualTo(40L);
        assertThat(c.position(p1)).isEqualTo(7L);

        c.addRecord(new ConsumerRecord<>(Topics.PREVIEWS, 0, 40L, "cam", new byte[] {1}));
        assertThat(c.poll(Duration.ZERO).count()).isEqualTo(1);
        assertThat(PreviewConsumer.follow(c, parts, idle, true)).as("still watched: still reading").isFalse();

        idle = PreviewConsumer.follow(c, parts, idle, false);
        assertThat(idle).isTrue();
        assertThat(c.assignment()).as("the last viewer left: let go").isEmpty();
        assertThat(c.paused()).as("not paused: a paused partition keeps the consumer awake").isEmpty();
    }
}
