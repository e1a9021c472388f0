package org.vigil.capture.bench;

import java.util.List;

import org.vigil.capture.analysis.AnalysisArea;
import org.vigil.capture.analysis.FrameDifference;
import org.vigil.capture.analysis.GrayImage;
import org.vigil.capture.analysis.MotionDetector;

/** A motion detector under evaluation: Vigil's, or the frame-difference baseline. */
public interface MaskSource {

    String name();

    /** Analyses the next frame. */
    MotionDetector.Result next(GrayImage frame);

    /** Vigil's detector with the service's defaults, for frames analysed at {@code fps}. */
    static MaskSource vigil(double sensitivity, double minAreaFraction, double fps) {
        return new MaskSource() {
            private final MotionDetector d = MotionDetector.forRate(sensitivity, minAreaFraction, fps,
                    MotionAccuracyBench.ABSORB_SECONDS);
            private AnalysisArea area;

            @Override
            public String name() {
                return "vigil";
            }

            @Override
            public MotionDetector.Result next(GrayImage f) {
                if (area == null) {
                    area = new AnalysisArea(f.width(), f.height(), List.of(), List.of());
                }
                return d.analyse(f, area);
            }
        };
    }

    /** |Y(n) - Y(n-1)| &gt; 25, as the heuristic profiles in the media folder were made. */
    static MaskSource frameDifference(double minAreaFraction) {
        return new MaskSource() {
            private final FrameDifference d = new FrameDifference(25, minAreaFraction);

            @Override
            public String name() {
                return "frame difference";
            }

            @Override
            public MotionDetector.Result next(GrayImage f) {
                return d.analyse(f);
            }
        };
    }
}
