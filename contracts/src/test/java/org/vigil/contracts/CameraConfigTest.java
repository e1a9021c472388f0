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

    @Test
    void aPasswordWithASlashIsMaskedWhole() {
        assertThat(CameraConfig.maskCredentials("rtsp://admin:pa/ss@10.0.0.5:554/stream1"))
                .isEqualTo("rtsp://admin:***@10.0.0.5:554/stream1");
        // a host and port, then an '@' in the path: no credentials
        assertThat(CameraConfig.maskCredentials("http://cam.local:8080/a@b")).isEqualTo("http://cam.local:8080/a@b");
    }

    @Test
    void secretsInTheQueryStringAreMasked() {
        assertThat(CameraConfig.maskCredentials("http://10.0.0.7/cgi-bin/mjpg?user=admin&password=s3cr3t&res=hd"))
                .isEqualTo("http://10.0.0.7/cgi-bin/mjpg?user=admin&password=***&res=hd");
        assertThat(CameraConfig.maskCredentials("rtsp://10.0.0.8/live?PWD=x1;Token=abc#frag"))
                .isEqualTo("rtsp://10.0.0.8/live?PWD=***;Token=***#frag");
        assertThat(CameraConfig.maskCredentials("http://u:p@h/s?api_key=k&apikey=k2"))
                .isEqualTo("http://u:***@h/s?api_key=***&apikey=***");
        // a parameter that only ends like one is left alone
        assertThat(CameraConfig.maskCredentials("http://h/s?bypass=1&compass=n")).isEqualTo("http://h/s?bypass=1&compass=n");
    }
}
