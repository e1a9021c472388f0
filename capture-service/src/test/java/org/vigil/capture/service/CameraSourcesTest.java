package org.vigil.capture.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

class CameraSourcesTest {

    private static final Instant NOW = Instant.parse("2026-11-28T10:00:00Z");

    @Test
    void numbersEntriesAndAcceptsExplicitIds() {
        List<CameraSources.Entry> e = CameraSources.parse("test:, front=rtsp://u:p@10.0.0.5/s?ch=1,0", "hq", NOW);

        assertThat(e).extracting(x -> x.camera().id()).containsExactly("cam1", "front", "cam3");
        assertThat(e.get(1).camera().url()).isEqualTo("rtsp://u:p@10.0.0.5/s?ch=1");
        assertThat(e.get(1).raw()).isEqualTo("rtsp://u:***@10.0.0.5/s?ch=1");
        assertThat(e).extracting(x -> x.camera().site()).containsOnly("hq");
    }

    @Test
    void anEqualsSignInsideAUrlIsNotAnId() {
        List<CameraSources.Entry> e = CameraSources.parse("rtsp://10.0.0.5/s?channel=1", "hq", NOW);
        assertThat(e.get(0).camera().id()).isEqualTo("cam1");
        assertThat(e.get(0).camera().url()).isEqualTo("rtsp://10.0.0.5/s?channel=1");
    }

    @Test
    void unknownSchemesAreReportedWithoutCredentials() {
        List<CameraSources.Entry> e = CameraSources.parse("ftp://bob:secret@host/x", "hq", NOW);
        assertThat(e.get(0).camera()).isNull();
        assertThat(e.get(0).error()).contains("entry 1").contains("bob:***@host").doesNotContain("secret");
    }

    @Test
    void aSubStreamForAnalysisFollowsABar() {
        CameraSources.Entry e = CameraSources.parse("gate=rtsp://u:p@cam/main|rtsp://u:p@cam/sub", "hq", NOW).get(0);
        assertThat(e.camera().url()).isEqualTo("rtsp://u:p@cam/main");
        assertThat(e.camera().subStreamUrl()).isEqualTo("rtsp://u:p@cam/sub");
        assertThat(CameraSources.parse("x=rtsp://cam/main|gopher://x", "hq", NOW).get(0).error())
                .contains("sub-stream");
    }

    @Test
    void theSyntheticCameraMasksItsClock() {
        assertThat(CameraSources.parse("test:", "hq", NOW).get(0).camera().masks()).extracting(z -> z.name())
                .containsExactly("clock");
    }
}
