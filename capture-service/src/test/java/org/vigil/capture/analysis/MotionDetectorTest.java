package org.vigil.capture.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.vigil.contracts.Box;
import org.vigil.contracts.Zone;

class MotionDetectorTest {

    private static final int W = 160;
    private static final int H = 90;
    private final AnalysisArea whole = new AnalysisArea(W, H, List.of(), List.of());

    private static GrayImage scene(int boxX, Random noise, int brightness) {
        byte[] px = new byte[W * H];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int v = brightness + (x / 8) + (noise == null ? 0 : noise.nextInt(7) - 3);
                if (boxX >= 0 && x >= boxX && x < boxX + 16 && y >= 40 && y < 80) {
                    v = 220;
                }
                px[y * W + x] = (byte) Math.max(0, Math.min(255, v));
            }
        }
        return new GrayImage(px, W, H);
    }

    @Test
    void sensorNoiseAloneIsNotMotion() {
        MotionDetector d = new MotionDetector(0.5, 0.002, 1000);
        Random rnd = new Random(1);
        for (int i = 0; i < 50; i++) {
            assertThat(d.analyse(scene(-1, rnd, 60), whole).moving()).as("frame " + i).isFalse();
        }
    }

    @Test
    void aMovingObjectIsBoxedWhereItIs() {
        MotionDetector d = new MotionDetector(0.5, 0.002, 1000);
        d.analyse(scene(-1, null, 60), whole);
        MotionDetector.Result r = d.analyse(scene(100, null, 60), whole);

        assertThat(r.moving()).isTrue();
        Box b = r.boxes().get(0);
        assertThat(b.x()).isBetween(100.0 / W - 0.03, 100.0 / W + 0.01);
        assertThat(b.y()).isBetween(40.0 / H - 0.05, 40.0 / H + 0.01);
        assertThat(b.w()).isBetween(12.0 / W, 20.0 / W);
        assertThat(r.score()).isGreaterThan(0.02);
    }

    @Test
    void motionInsideAMaskIsIgnored() {
        Zone rightHalf = new Zone("right", List.of(new Zone.Point(0.5, 0), new Zone.Point(1, 0), new Zone.Point(1, 1),
                new Zone.Point(0.5, 1)));
        AnalysisArea masked = new AnalysisArea(W, H, List.of(), List.of(rightHalf));
        MotionDetector d = new MotionDetector(0.5, 0.002, 1000);
        d.analyse(scene(-1, null, 60), masked);

        assertThat(d.analyse(scene(120, null, 60), masked).moving()).isFalse();
        assertThat(d.analyse(scene(20, null, 60), masked).moving()).isTrue();
    }

    @Test
    void aSuddenChangeOfTheWholeSceneRelearnsInsteadOfAlarming() {
        MotionDetector d = new MotionDetector(0.5, 0.002, 1000);
        d.analyse(scene(-1, null, 40), whole);

        assertThat(d.analyse(scene(-1, null, 140), whole).moving()).isFalse();
        assertThat(d.analyse(scene(-1, null, 140), whole).moving()).isFalse();
    }

    @Test
    void objectsSmallerThanTheMinimumAreaAreIgnored() {
        MotionDetector d = new MotionDetector(0.5, 0.1, 1000);
        d.analyse(scene(-1, null, 60), whole);
        assertThat(d.analyse(scene(100, null, 60), whole).moving()).isFalse();
    }
}
