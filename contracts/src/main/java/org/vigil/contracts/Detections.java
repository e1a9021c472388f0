package org.vigil.contracts;

import java.time.Instant;
import java.util.List;

/**
 * Objects recognised in one analysed frame of a camera (the "AI data"), found only inside motion regions.
 *
 * @param eventId  the motion event the frame belongs to, or {@code null} outside one
 * @param at       when the frame was captured
 * @param detector which detector found them, e.g. {@code hog-people} or {@code onnx:<model file name>}
 * @param objects  what was found; never empty (frames with nothing found are not published)
 */
public record Detections(int v, String cameraId, String site, String eventId, Instant at, String detector,
        List<Detected> objects) {

    public static final int VERSION = 1;

    public Detections {
        objects = objects == null ? List.of() : List.copyOf(objects);
    }

    /**
     * One object.
     *
     * @param label      what it is: {@code person}, {@code car}, …
     * @param confidence the detector's score, 0..1 (a detector without a probability maps its margin into 0..1)
     * @param box        where, in normalised coordinates
     */
    public record Detected(String label, double confidence, Box box) {
    }
}
