package org.vigil.capture.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/**
 * Guards the detector's accuracy on the real clips (deterministic: same frames, same seed, same figures), so a change
 * that degrades it fails the build. Skips, saying why, where the shared media folder is absent. The figures and
 * their baseline are printed by {@code bench/run capture-accuracy}.
 */
class MotionAccuracyTest {

    private static Path media(String name) {
        Optional<Path> f = Media.file(name);
        assumeTrue(f.isPresent(), () -> "skipped: " + Media.missing(name));
        return f.get();
    }

    @Test
    void cdnetHighwayMotionMaskReachesF1OfAtLeast080() throws Exception {
        CdnetHighway c = CdnetHighway.load(media(CdnetHighway.VIDEO), media(CdnetHighway.TRUTH));
        CdnetHighway.Score s = c.score(MaskSource.vigil(MotionAccuracyBench.SENSITIVITY, MotionAccuracyBench.MIN_AREA,
                CdnetHighway.FPS));
        assertThat(s.f1()).as("F1 (precision %.3f, recall %.3f)", s.precision(), s.recall())
                .isGreaterThanOrEqualTo(MotionAccuracyBench.F1_GOAL);
    }

    @Test
    void petsPeopleAreCoveredByMotionBoxesWithFewFalseBoxes() throws Exception {
        Pets2009 p = Pets2009.load(media(Pets2009.VIDEO), media(Pets2009.TRUTH));
        Pets2009.Score s = p.score(MaskSource.vigil(MotionAccuracyBench.SENSITIVITY, MotionAccuracyBench.MIN_AREA,
                Pets2009.FPS));
        assertThat(s.coverage()).as("share of annotated people covered").isGreaterThanOrEqualTo(0.75);
        assertThat(s.falseBoxesPerFrame()).as("false motion boxes per frame").isLessThanOrEqualTo(0.15);
    }

    @Test
    void thePeopleDetectorInMotionRegionsIsPreciseOnPets() throws Exception {
        Pets2009 p = Pets2009.load(media(Pets2009.VIDEO), media(Pets2009.TRUTH));
        try (var hog = new org.vigil.capture.analysis.HogPeopleDetector(MotionAccuracyBench.DETECTOR_MIN_CONFIDENCE, (int) Pets2009.FRAME_W)) {
            Pets2009.DetectionScore s = p.scoreDetections(hog, MaskSource.vigil(MotionAccuracyBench.SENSITIVITY,
                    MotionAccuracyBench.MIN_AREA, Pets2009.FPS), true);
            assertThat(s.precision()).as("precision").isGreaterThanOrEqualTo(0.85);
            assertThat(s.recall()).as("recall").isGreaterThanOrEqualTo(0.40);
        }
    }

    @Test
    void stillScenesRaiseNoFalseEventsAndCatchTheActiveSpans() throws Exception {
        for (String clip : StillScenes.CLIPS) {
            StillScenes s = StillScenes.load(clip, media(clip), media("derived/" + clip + ".motion.csv"));
            StillScenes.Score v = s.score(MaskSource.vigil(MotionAccuracyBench.SENSITIVITY,
                    MotionAccuracyBench.MIN_AREA, StillScenes.ANALYSIS_FPS));
            assertThat(v.falseEventsPerStillMinute()).as(clip + ": false events per still minute").isLessThanOrEqualTo(1.0);
            assertThat(v.spansHit() / (double) v.spans()).as(clip + ": active spans with an event")
                    .isGreaterThanOrEqualTo(0.9);
        }
    }
}
