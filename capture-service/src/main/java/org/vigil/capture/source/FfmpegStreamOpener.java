package org.vigil.capture.source;

import java.time.InstantSource;

import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.capture.config.CaptureConfig;
import org.vigil.contracts.CameraConfig;

/** The real {@link StreamOpener}: {@code test:} is synthetic, everything else goes through FFmpeg. */
@ApplicationScoped
public class FfmpegStreamOpener implements StreamOpener {

    private final CaptureConfig config;
    private final InstantSource clock;

    public FfmpegStreamOpener(CaptureConfig config, InstantSource clock) {
        this.config = config;
        this.clock = clock;
    }

    @Override
    public VideoSource open(CameraConfig camera) throws SourceException {
        if (SourceUrls.kind(camera.url()) == SourceUrls.Kind.TEST) {
            return SyntheticSource.open(camera.url(), clock);
        }
        return FfmpegSource.open(camera, config.rtspTimeoutMs());
    }
}
