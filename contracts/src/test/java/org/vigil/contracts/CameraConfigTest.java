package org.vigil.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CameraConfigTest {

    @Test
    void masksPasswordButKeepsUserHostAndPath() {
        assertThat(CameraConfig.maskCredentials("rtsp://admin:s3cr3t@10.0.0.5:554/stream1?x=1"))
                .isEqualTo("rtsp://admin:***@10.0.0.5:554/stream1?x=1");
    }

    @Test
    void masksUserInfoWithoutPassword() {
        assertThat(CameraConfig.maskCredentials("http://token@cam.local/mjpeg"))
                .isEqualTo("http://token:***@cam.local/mjpeg");
    }

    @Test
    void passwordContainingAtSignIsFullyMasked() {
        assertThat(CameraConfig.maskCredentials("rtsp://u:p@ss@host/s")).isEqualTo("rtsp://u:***@host/s");
    }

    @Test
    void leavesUrlsWithoutCredentialsAlone() {
        assertThat(CameraConfig.maskCredentials("rtsp://10.0.0.5/stream")).isEqualTo("rtsp://10.0.0.5/stream");
        assertThat(CameraConfig.maskCredentials("test:")).isEqualTo("test:");
        assertThat(CameraConfig.maskCredentials("0")).isEqualTo("0");
        assertThat(CameraConfig.maskCredentials(null)).isNull();
    }

    @Test
    void atSignInPathIsNotTakenForCredentials() {
        assertThat(CameraConfig.maskCredentials("http://host/a@b")).isEqualTo("http://host/a@b");
    }
}
