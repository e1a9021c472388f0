package org.vigil.capture.config;

import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** FFmpeg logs to stderr by itself; keep it to errors so camera chatter does not drown the service log. */
@ApplicationScoped
public class FfmpegLogLevel {

    void onStart(@Observes StartupEvent e) {
        av_log_set_level(AV_LOG_ERROR);
    }
}
