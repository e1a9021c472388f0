package org.vigil.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class MediaPacketTest {

    private static final StreamParams PARAMS = new StreamParams("h264", 1920, 1080, 15, 1, new byte[] {0, 0, 0, 1, 0x67});

    @Test
    void keyFrameRoundTripsThroughHeaders() {
        MediaPacket p = new MediaPacket("cam1", "s-1", 42, 9000, 9000, 1, 90000, true, 1_700_000_000_123_456L,
                "h264", PARAMS, new byte[] {1, 2, 3});
        RecordHeaders h = new RecordHeaders();
        p.writeHeaders(h);

        MediaPacket back = MediaPacket.read("cam1", h, p.data());

        assertThat(back.seq()).isEqualTo(42);
        assertThat(back.pts()).isEqualTo(9000);
        assertThat(back.timeBaseDen()).isEqualTo(90000);
        assertThat(back.keyFrame()).isTrue();
        assertThat(back.wallMicros()).isEqualTo(1_700_000_000_123_456L);
        assertThat(back.params().width()).isEqualTo(1920);
        assertThat(back.params().frameRate()).isEqualTo(15.0);
        assertThat(back.params().extradata()).containsExactly(0, 0, 0, 1, 0x67);
        assertThat(back.data()).containsExactly(1, 2, 3);
    }

    @Test
    void missingTimestampsStayMissing() {
        MediaPacket p = new MediaPacket("cam1", "s", 0, MediaPacket.NO_TIME, MediaPacket.NO_TIME, 1, 15, false, 1,
                "mjpeg", null, new byte[] {9});
        RecordHeaders h = new RecordHeaders();
        p.writeHeaders(h);

        MediaPacket back = MediaPacket.read("cam1", h, p.data());

        assertThat(back.pts()).isEqualTo(MediaPacket.NO_TIME);
        assertThat(back.params()).isNull();
    }

    @Test
    void headersAreReadableTextForKafkaTools() {
        RecordHeaders h = new RecordHeaders();
        new MediaPacket("cam1", "s", 7, 1, 1, 1, 90000, false, 5, "h264", null, new byte[0]).writeHeaders(h);
        assertThat(new String(h.lastHeader(MediaPacket.H_TIME_BASE).value(), StandardCharsets.US_ASCII))
                .isEqualTo("1/90000");
        assertThat(new String(h.lastHeader(MediaPacket.H_SEQ).value(), StandardCharsets.US_ASCII)).isEqualTo("7");
    }

    @Test
    void rejectsKeyFrameWithoutParametersByName() {
        RecordHeaders h = new RecordHeaders();
        new MediaPacket("cam1", "s", 0, 0, 0, 1, 90000, false, 5, "h264", null, new byte[0]).writeHeaders(h);
        h.remove(MediaPacket.H_KEY);
        h.add(MediaPacket.H_KEY, "1".getBytes(StandardCharsets.US_ASCII));

        assertThatThrownBy(() -> MediaPacket.read("cam1", h, new byte[0]))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining(MediaPacket.H_WIDTH);
    }

    @Test
    void rejectsGarbageNumbersByHeaderName() {
        RecordHeaders h = new RecordHeaders();
        new MediaPacket("cam1", "s", 0, 0, 0, 1, 90000, false, 5, "h264", null, new byte[0]).writeHeaders(h);
        h.remove(MediaPacket.H_SEQ);
        h.add(MediaPacket.H_SEQ, "twelve".getBytes(StandardCharsets.US_ASCII));

        assertThatThrownBy(() -> MediaPacket.read("cam1", h, new byte[0]))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining(MediaPacket.H_SEQ).hasMessageContaining("twelve");
    }

    @Test
    void rejectsUnknownVersion() {
        RecordHeaders h = new RecordHeaders();
        new MediaPacket("cam1", "s", 0, 0, 0, 1, 90000, false, 5, "h264", null, new byte[0]).writeHeaders(h);
        h.remove(MediaPacket.H_VERSION);
        h.add(MediaPacket.H_VERSION, "2".getBytes(StandardCharsets.US_ASCII));

        assertThatThrownBy(() -> MediaPacket.read("cam1", h, new byte[0]))
                .hasMessageContaining("version 2");
    }

    @Test
    void rejectsMissingKey() {
        assertThatThrownBy(() -> MediaPacket.read(null, new RecordHeaders(), new byte[0]))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("camera id");
    }
}
