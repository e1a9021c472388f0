package org.vigil.capture.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.vigil.capture.analysis.GrayImage;
import org.vigil.capture.analysis.MotionDetector;

/**
 * CDnet 2012 baseline/highway: precision, recall and F1 of the per-pixel motion mask against the hand-labelled masks,
 * scored as CDnet scores it: frames 470..1700 of CDnet (video frames 469..1698), pixels labelled moving (255) are
 * positives, static (0) and hard shadow (50) negatives, outside-ROI (85) and unknown (170) not scored.
 */
public final class CdnetHighway {

    public static final String VIDEO = "bgslibrary_video03_highway.avi";
    public static final String TRUTH = "cdnet_highway_groundtruth_f0000-1698.ffv1.mkv";
    /** The clip's nominal rate as stored; every frame is analysed. */
    public static final double FPS = 60;
    static final int FIRST_SCORED = 469;
    static final int LAST_SCORED = 1698;

    /** The counts and the figures derived from them. */
    public record Score(long tp, long fp, long fn, int frames) {
        public double precision() {
            return tp / (double) Math.max(1, tp + fp);
        }

        public double recall() {
            return tp / (double) Math.max(1, tp + fn);
        }

        public double f1() {
            double p = precision();
            double r = recall();
            return p + r == 0 ? 0 : 2 * p * r / (p + r);
        }
    }

    private final List<GrayImage> frames;
    private final List<GrayImage> truth;

    private CdnetHighway(List<GrayImage> frames, List<GrayImage> truth) {
        this.frames = frames;
        this.truth = truth;
    }

    /** Decodes the clip and its ground truth (both 320x240, evaluated at native size). */
    public static CdnetHighway load(Path video, Path truth) throws IOException {
        CdnetHighway c = new CdnetHighway(Media.grayFrames(video, 320), Media.grayFrames(truth, 320));
        if (c.frames.size() < LAST_SCORED + 1 || c.truth.size() < LAST_SCORED + 1) {
            throw new IOException("expected at least " + (LAST_SCORED + 1) + " frames, decoded " + c.frames.size()
                    + " and " + c.truth.size() + " truth masks");
        }
        return c;
    }

    public Score score(MaskSource detector) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i <= LAST_SCORED; i++) {
            MotionDetector.Result r = detector.next(frames.get(i));
            if (i < FIRST_SCORED) {
                continue;
            }
            byte[] gt = truth.get(i).pixels();
            boolean[] mask = r.mask();
            for (int p = 0; p < gt.length; p++) {
                int label = gt[p] & 0xff;
                boolean moving = mask != null && mask[p];
                if (label == 255) {
                    if (moving) {
                        tp++;
                    } else {
                        fn++;
                    }
                } else if ((label == 0 || label == 50) && moving) {
                    fp++;
                }
            }
        }
        return new Score(tp, fp, fn, LAST_SCORED - FIRST_SCORED + 1);
    }
}
