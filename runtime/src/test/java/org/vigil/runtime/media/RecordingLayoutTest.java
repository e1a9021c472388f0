package org.vigil.runtime.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class RecordingLayoutTest {

    private static final Instant START = Instant.parse("2026-03-01T23:59:58.123Z");

    @Test
    void aSegmentSitsUnderItsSiteCameraAndUtcDay() {
        Path file = RecordingLayout.segment(Path.of("/rec"), "hq", "cam-1", START);

        assertThat(file).isEqualTo(Path.of("/rec/hq/cam-1/2026-03-01/recording_cam-1_20260301T235958.123Z.avi"));
    }

    @Test
    void aNameIsReadBackToItsCameraAndStart() {
        String name = RecordingLayout.fileName("cam_with_underscores", START);

        assertThat(RecordingLayout.parse(name)).contains(new RecordingLayout.Named("cam_with_underscores", START));
        assertThat(RecordingLayout.isSegmentFile(name)).isTrue();
        assertThat(RecordingLayout.isVideo(name)).isTrue();
    }

    @Test
    void otherNamesAreNotSegments() {
        assertThat(RecordingLayout.parse("recording_cam_20261301T000000.000Z.avi")).isEmpty(); // month 13
        assertThat(RecordingLayout.parse("recording_cam_20260301T000000.000Z.avi.idx")).isEmpty();
        assertThat(RecordingLayout.parse("notes.txt")).isEmpty();
        assertThat(RecordingLayout.isSegmentFile("recording_cam_20260301T000000.000Z.avi.idx.partial")).isTrue();
        assertThat(RecordingLayout.isSegmentFile("holiday.avi")).isFalse();
    }

    @Test
    void siteDirectoriesAreSafeAndNeverHidden() {
        assertThat(RecordingLayout.siteDirectory("../../etc")).isEqualTo("_.._.._etc");
        assertThat(RecordingLayout.siteDirectory(".quarantine")).isEqualTo("_.quarantine");
        assertThat(RecordingLayout.siteDirectory("")).isEqualTo("_");
        assertThat(RecordingLayout.siteDirectory("site 7/b")).isEqualTo("site_7_b");
    }
}
