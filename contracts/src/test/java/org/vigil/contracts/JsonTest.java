package org.vigil.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonTest {

    private static final Instant T = Instant.parse("2026-11-28T08:00:00.250Z");

    @Test
    void motionEventUsesLowerCaseWireNamesAndIsoInstants() {
        MotionEvent e = new MotionEvent(1, "e-1", "cam1", "hq", MotionEvent.Phase.START, T, T, 0.25,
                List.of(new Box(0.1, 0.2, 0.3, 0.4)), null);

        String json = new String(Json.write(e), StandardCharsets.UTF_8);

        assertThat(json).contains("\"phase\":\"start\"").contains("\"startedAt\":\"2026-11-28T08:00:00.250Z\"");
        assertThat(Json.read(json.getBytes(StandardCharsets.UTF_8), MotionEvent.class)).isEqualTo(e);
    }

    @Test
    void cameraStatusStateIsSnakeCase() {
        CameraStatus s = new CameraStatus(1, "cam1", "hq", CameraStatus.State.NO_SIGNAL, 0, 0, 0, "h264", "timeout",
                "capture-1", T);
        String json = new String(Json.write(s), StandardCharsets.UTF_8);
        assertThat(json).contains("\"state\":\"no_signal\"");
        assertThat(Json.read(json.getBytes(StandardCharsets.UTF_8), CameraStatus.class)).isEqualTo(s);
    }

    @Test
    void ignoresFieldsAddedLaterInTheSameVersion() {
        String json = "{\"v\":1,\"id\":\"a\",\"at\":\"2026-11-28T08:00:00Z\",\"service\":\"gateway\",\"actor\":\"admin\","
                + "\"action\":\"auth.login\",\"outcome\":\"success\",\"newField\":42}";
        AuditEntry a = Json.read(json.getBytes(StandardCharsets.UTF_8), AuditEntry.class);
        assertThat(a.action()).isEqualTo("auth.login");
        assertThat(a.details()).isEqualTo(Map.of());
    }

    @Test
    void malformedJsonNamesTheType() {
        assertThatThrownBy(() -> Json.read("{not json".getBytes(StandardCharsets.UTF_8), SegmentClosed.class))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("SegmentClosed");
    }

    @Test
    void serdeTreatsNullAsTombstone() {
        JsonSerde.CameraConfigs serde = new JsonSerde.CameraConfigs();
        assertThat(serde.deserialize(Topics.CAMERAS, null)).isNull();
        CameraConfig c = new CameraConfig(1, "cam1", "Front", "hq", "test:", null, true, 0.5, null, null, T, "admin");
        assertThat(serde.deserialize(Topics.CAMERAS, serde.serialize(Topics.CAMERAS, c))).isEqualTo(c);
    }
}
