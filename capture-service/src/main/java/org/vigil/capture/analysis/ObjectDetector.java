package org.vigil.capture.analysis;

import java.util.List;

import org.vigil.contracts.Box;
import org.vigil.contracts.Detections;

/** Recognises objects, looking only inside the given regions of a frame (motion regions, in practice). */
public interface ObjectDetector extends AutoCloseable {

    /** Published as {@link Detections#detector()}. */
    String name();

    /**
     * @param picture the latest picture, scaled as the detector needs it
     * @param regions where to look, normalised; empty finds nothing
     * @return objects found, boxes normalised to the frame
     */
    List<Detections.Detected> detect(Pictures picture, List<Box> regions);

    @Override
    void close();
}
