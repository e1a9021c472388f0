package org.vigil.capture.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.vigil.contracts.CameraConfig;

/** Runs where a V4L2 device exists; skips, saying so, everywhere else (build machines rarely have cameras). */
class UsbCameraTest {

    @Test
    void aUsbCameraGivenByItsIndexDeliversPacketsWithStreamParameters() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/video0")), "skipped: no /dev/video0 on this machine");
        CameraConfig usb = new CameraConfig(CameraConfig.VERSION, "usb0", "USB", "hq", "0", null, true, 0.5, null, null,
                Instant.now(), "test");
        try (FfmpegSource src = FfmpegSource.open(usb, 5000)) {
            assertThat(src.params().width()).isPositive();
            for (int i = 0; i < 10; i++) {
                assertThat(src.read().data()).isNotEmpty();
            }
        }
    }
}
