package org.vigil.capture.analysis;

import java.util.List;

/**
 * The baseline detector benchmarks compare against: a pixel moves when it differs from the previous frame by more
 * than a threshold. Regions are grouped exactly as Vigil's detector groups them, so only the model differs.
 */
public final class FrameDifference {

    private final int threshold;
    private final double minAreaFraction;
    private byte[] previous;
    private AnalysisArea area;

    public FrameDifference(int threshold, double minAreaFraction) {
        this.threshold = threshold;
        this.minAreaFraction = minAreaFraction;
    }

    public MotionDetector.Result analyse(GrayImage f) {
        byte[] px = f.pixels();
        if (previous == null || previous.length != px.length) {
            previous = px.clone();
            area = new AnalysisArea(f.width(), f.height(), List.of(), List.of());
            return MotionDetector.Result.NONE;
        }
        boolean[] mask = new boolean[px.length];
        for (int i = 0; i < px.length; i++) {
            mask[i] = Math.abs((px[i] & 0xff) - (previous[i] & 0xff)) > threshold;
        }
        previous = px.clone();
        return MotionDetector.regions(mask, px, null, 0, f.width(), f.height(), area, minAreaFraction);
    }
}
