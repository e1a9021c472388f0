package org.vigil.devstack.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What capture is given as CAMERA_SOURCES by ./vigil up. */
class LauncherCameraSourcesTest {

    @Test
    void theSyntheticCameraIsOfferedOnAHomesFirstStartOnly() {
        assertThat(Launcher.cameraSources(null, false)).isEqualTo("test:");
        assertThat(Launcher.cameraSources("  ", false)).isEqualTo("test:");
        // a later start: an operator who deleted it does not get it back (one still in the registry stays there)
        assertThat(Launcher.cameraSources(null, true)).isEmpty();
        assertThat(Launcher.cameraSources("", true)).isEmpty();
    }

    @Test
    void noneMeansNoCameraAndAnOperatorsListIsPassedAsItIs() {
        assertThat(Launcher.cameraSources("none", false)).isEmpty();
        assertThat(Launcher.cameraSources(" NONE ", false)).isEmpty();
        assertThat(Launcher.cameraSources("front=rtsp://10.0.0.5/s1,0", false)).isEqualTo("front=rtsp://10.0.0.5/s1,0");
        assertThat(Launcher.cameraSources("front=rtsp://10.0.0.5/s1,0", true)).isEqualTo("front=rtsp://10.0.0.5/s1,0");
    }
}
