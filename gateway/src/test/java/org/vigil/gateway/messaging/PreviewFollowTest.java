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

/** The previews reader asks Kafka for nothing while nobody watches, and starts from the newest picture when someone does. */
class PreviewFollowTest {

    private final TopicPartition p0 = new TopicPartition(Topics.PREVIEWS, 0);
    private final TopicPartition p1 = new TopicPartition(Topics.PREVIEWS, 1);
    private final List<TopicPartition> parts = List.of(p0, p1);

    @Test
    void pausedWithoutViewersResumedFromTheEndWithThemPausedAgainWhenTheyLeave() {
        MockConsumer<String, byte[]> c = new MockConsumer<>(OffsetResetStrategy.NONE);
        c.assign(parts);
        c.updateBeginningOffsets(Map.of(p0, 0L, p1, 0L));
        c.updateEndOffsets(Map.of(p0, 40L, p1, 7L));
        c.seek(p0, 0);
        c.seek(p1, 0);
        c.pause(parts);

        boolean paused = PreviewConsumer.follow(c, parts, true, false);
        assertThat(paused).isTrue();
        assertThat(c.paused()).containsExactlyInAnyOrderElementsOf(parts);

        paused = PreviewConsumer.follow(c, parts, paused, true);
        assertThat(paused).isFalse();
        assertThat(c.paused()).as("a viewer: read").isEmpty();
        assertThat(c.position(p0)).as("old pictures skipped: the newest on").isEqualTo(40L);
        assertThat(c.position(p1)).isEqualTo(7L);

        c.addRecord(new ConsumerRecord<>(Topics.PREVIEWS, 0, 40L, "cam", new byte[] {1}));
        assertThat(c.poll(Duration.ZERO).count()).isEqualTo(1);
        assertThat(PreviewConsumer.follow(c, parts, paused, true)).as("still watched: still reading").isFalse();

        paused = PreviewConsumer.follow(c, parts, paused, false);
        assertThat(paused).isTrue();
        assertThat(c.paused()).containsExactlyInAnyOrderElementsOf(parts);
        c.addRecord(new ConsumerRecord<>(Topics.PREVIEWS, 0, 41L, "cam", new byte[] {2}));
        assertThat(c.poll(Duration.ZERO).isEmpty()).as("paused: nothing fetched").isTrue();
    }
}
