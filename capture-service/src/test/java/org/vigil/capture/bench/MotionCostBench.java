package org.vigil.capture.bench;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.vigil.capture.analysis.GrayImage;

/**
 * What one analysed frame costs Vigil's motion detector at a site node's load: 16 cameras' detectors (each its own
 * model, about 1 MB of samples, so the caches hold no camera's model for the next) fed in turn with real footage
 * (one-by-one-person-detection.mp4, people entering, standing and leaving) at the default 320 pixels wide, every other
 * frame of the 10 fps clip (the default 5 analysed frames a second). Compared, in the same run and the same way, with the
 * frame-difference detector (|Y(n) - Y(n-1)| &gt; 25, regions on the same grid): the least any motion detector could do.
 * Reports the median of five timed rounds after two untimed ones.
 *
 * <p>Run: {@code bench/run motion-cost}. Exits 3 when the clip is missing.
 */
public final class MotionCostBench {

    static final String CLIP = "one-by-one-person-detection.mp4";
    static final int CAMERAS = 16;
    static final int ROUNDS = 7;
    static final int WARM_UP = 2;

    private MotionCostBench() {
    }

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        Optional<java.nio.file.Path> video = Media.file(CLIP);
        if (video.isEmpty()) {
            System.out.println("motion-cost: NOT MEASURED, input missing: " + Media.missing(CLIP));
            System.exit(3);
        }
        List<GrayImage> frames = Media.grayFrames(video.get(), StillScenes.WIDTH);
        double vigil = millisPerFrame(frames, () -> MaskSource.vigil(MotionAccuracyBench.SENSITIVITY,
                MotionAccuracyBench.MIN_AREA, StillScenes.ANALYSIS_FPS));
        double floor = millisPerFrame(frames, () -> MaskSource.frameDifference(MotionAccuracyBench.MIN_AREA));
        GrayImage f = frames.get(0);
        System.out.printf("motion-cost: %s at %dx%d, %d detectors in turn, every other frame%n", CLIP, f.width(),
                f.height(), CAMERAS);
        System.out.printf("  vigil's motion detector     %.3f ms per analysed frame%n", vigil);
        System.out.printf("  frame-difference baseline   %.3f ms per analysed frame%n", floor);
        System.out.printf("  ratio vigil / baseline      %.2f%n", vigil / floor);
        System.out.printf("  at %.0f analysed frames a second: %.3f %% of a core per camera%n",
                StillScenes.ANALYSIS_FPS, vigil * StillScenes.ANALYSIS_FPS / 10);
    }

    private static double millisPerFrame(List<GrayImage> frames, java.util.function.Supplier<MaskSource> make) {
        MaskSource[] cams = new MaskSource[CAMERAS];
        for (int i = 0; i < CAMERAS; i++) {
            cams[i] = make.get();
        }
        double[] rounds = new double[ROUNDS - WARM_UP];
        long sink = 0;
        for (int round = 0; round < ROUNDS; round++) {
            long calls = 0;
            long t = System.nanoTime();
            for (int k = 0; k < frames.size(); k += 2) {
                for (int i = 0; i < CAMERAS; i++) {
                    // each camera at its own place in the clip, so that they do not all see the same frame
                    sink += cams[i].next(frames.get((k + i * 40) % frames.size())).boxes().size();
                    calls++;
                }
            }
            if (round >= WARM_UP) {
                rounds[round - WARM_UP] = (System.nanoTime() - t) / 1e6 / calls;
            }
        }
        if (sink < 0) {
            System.out.println(sink); // keeps the results alive
        }
        java.util.Arrays.sort(rounds);
        return rounds[rounds.length / 2];
    }
}
