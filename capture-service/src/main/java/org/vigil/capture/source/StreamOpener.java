package org.vigil.capture.source;


import org.vigil.contracts.CameraConfig;

/** Opens a camera's main stream. The real one uses FFmpeg; tests use fakes. */
public interface StreamOpener {

    /** @throws SourceException with kind {@link SourceException.Kind#CANNOT_CONNECT} when the camera cannot be opened */
    VideoSource open(CameraConfig camera) throws SourceException;
}
