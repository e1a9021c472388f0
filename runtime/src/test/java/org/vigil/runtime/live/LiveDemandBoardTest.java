package org.vigil.runtime.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.Json;
import org.vigil.contracts.LiveDemand;
import org.vigil.contracts.Topics;

class LiveDemandBoardTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final LiveDemandBoard board = new LiveDemandBoard(now::get);

    @Test
    void aLeaseHoldsForItsLengthFromItsArrivalAndAReleaseEndsItAtOnce() {
        assertThat(board.wanted("cam-1", LiveDemand.SUBSTREAM)).as("nobody asked").isFalse();
        board.apply(new LiveDemand(1, "cam-1", LiveDemand.SUBSTREAM, 8000, "recorder-live"));
        assertThat(board.wanted("cam-1", LiveDemand.SUBSTREAM)).isTrue();
        assertThat(board.wanted("cam-1", LiveDemand.PREVIEWS)).as("another stream of the camera").isFalse();
        assertThat(board.wanted("cam-2", LiveDemand.SUBSTREAM)).as("another camera").isFalse();

        advance(7_900);
        assertThat(board.wanted("cam-1", LiveDemand.SUBSTREAM)).isTrue();
        board.apply(new LiveDemand(1, "cam-1", LiveDemand.SUBSTREAM, 8000, "recorder-live")); // a refresh
        advance(7_900);
        assertThat(board.wanted("cam-1", LiveDemand.SUBSTREAM)).as("refreshed before it ran out").isTrue();
        advance(200);
        assertThat(board.wanted("cam-1", LiveDemand.SUBSTREAM)).as("no refresh: the lease ran out").isFalse();

        board.apply(new LiveDemand(1, "cam-1", LiveDemand.PREVIEWS, 8000, "gateway-previews"));
        board.apply(new LiveDemand(1, "cam-1", LiveDemand.PREVIEWS, 0, "gateway-previews"));
        assertThat(board.wanted("cam-1", LiveDemand.PREVIEWS)).as("released by the last viewer").isFalse();
    }

    @Test
    void recordsThatAreNotValidLeasesAreSkippedAndTheRestApplied() {
        byte[] tooLong = Json.write(new LiveDemand(1, "cam-1", LiveDemand.SUBSTREAM, 3_600_000, "x"));
        byte[] badStream = Json.write(new LiveDemand(1, "cam-2", "main", 8000, "x"));
        byte[] badCamera = Json.write(new LiveDemand(1, "Cam 3\n", LiveDemand.SUBSTREAM, 8000, "x"));
        byte[] garbage = "{not json".getBytes();
        byte[] good = Json.write(new LiveDemand(1, "cam-4", LiveDemand.PREVIEWS, 8000, "gateway-previews"));
        TopicPartition tp = new TopicPartition(Topics.LIVE_DEMAND, 0);
        java.util.List<ConsumerRecord<String, byte[]>> list = new java.util.ArrayList<>();
        long offset = 0;
        for (byte[] v : new byte[][] {tooLong, badStream, badCamera, garbage, null, good}) {
            list.add(new ConsumerRecord<>(Topics.LIVE_DEMAND, 0, offset++, "k", v));
        }
        board.poll(null, new ConsumerRecords<>(java.util.Map.of(tp, list)));
        assertThat(board.wanted("cam-1", LiveDemand.SUBSTREAM)).as("a lease over the longest allowed").isFalse();
        assertThat(board.wanted("cam-2", "main")).isFalse();
        assertThat(board.wanted("Cam 3\n", LiveDemand.SUBSTREAM)).isFalse();
        assertThat(board.wanted("cam-4", LiveDemand.PREVIEWS)).as("the valid record after the bad ones").isTrue();
    }

    private void advance(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }
}
