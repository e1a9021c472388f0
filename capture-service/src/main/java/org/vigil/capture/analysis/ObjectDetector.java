package org.vigil.capture.analysis;

import java.util.List;

import org.vigil.contracts.Box;
import org.vigil.contracts.Detections;

/** Recognises objects, looking only inside the given regions of a frame (motion regions, in practice). */
public interface ObjectDetector extends AutoCloseable {

    /** Published as {@link Detections#detector()}. */
    String name();

    /**
     * @param frame   the frame, grey
     * @param regions where to look, normalised; empty finds nothing
     * @return objects found, boxes normalised to the frame
     */
    List<Detections.Detected> detect(GrayImage frame, List<Box> regions);

    @Override
    void close();
}
