package org.vigil.recorder.config;

import java.nio.file.Path;
import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Recorder settings; RECORDINGS_DIR is mapped in application.properties. */
@ConfigMapping(prefix = "vigil.recorder")
public interface RecorderConfig {

    /** RECORDINGS_DIR: segments go to {@code <dir>/<site>/<camera>/<yyyy-mm-dd>/}. */
    Path recordingsDir();

    /** Target segment length; a segment is cut at the first key frame after it. */
    @WithDefault("60s")
    Duration segmentLength();

    /** Frame rate written in the AVI header when the camera does not announce one. */
    @WithDefault("15")
    int fallbackFrameRate();

    /** How often consumed offsets whose segments are durable are committed. */
    @WithDefault("2s")
    Duration commitInterval();
}
