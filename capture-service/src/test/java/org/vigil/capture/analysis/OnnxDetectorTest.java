package org.vigil.capture.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vigil.contracts.Box;
import org.vigil.contracts.Detections;

/**
 * The ONNX adapter against OpenCV's real ONNX importer and runtime, with a hand-written model whose head always gives
 * the same candidates: this checks the decoding of a YOLO head, the mapping back through crop and letterbox, the
 * label filter and the confidence threshold. It cannot check a real model's accuracy: none can be downloaded here.
 */
class OnnxDetectorTest {

    private static final int INPUT = 64;

    @TempDir
    Path dir;

    /** A picture source with a fixed 200x100 colour frame. */
    private static final Pictures FRAME = new Pictures() {
        @Override
        public GrayImage gray(int width) {
            return new GrayImage(new byte[200 * 100], 200, 100);
        }

        @Override
        public BgrImage bgr(int width) {
            return new BgrImage(new byte[200 * 100 * 3], 200, 100);
        }
    };

    private Path model(float[][] head) throws Exception {
        return Files.write(dir.resolve("fixed.onnx"), OnnxModels.fixedYoloHead(INPUT, head));
    }

    /** Three candidates: a confident person, a car below the threshold, a confident toothbrush (not a wanted label). */
    private static float[][] head() {
        float[][] h = new float[84][3];
        // candidate 0: centre (32, 32), 16 x 32 in input pixels, person 0.9
        h[0][0] = 32;
        h[1][0] = 32;
        h[2][0] = 16;
        h[3][0] = 32;
        h[4][0] = 0.9f;
        // candidate 1: car 0.3
        h[0][1] = 10;
        h[1][1] = 10;
        h[2][1] = 8;
        h[3][1] = 8;
        h[4 + 2][1] = 0.3f;
        // candidate 2: toothbrush 0.95
        h[0][2] = 40;
        h[1][2] = 40;
        h[2][2] = 8;
        h[3][2] = 8;
        h[4 + 79][2] = 0.95f;
        return h;
    }

    @Test
    void decodesTheHeadAndMapsBoxesBackThroughCropAndLetterbox() throws Exception {
        try (OnnxDetector d = new OnnxDetector(model(head()), INPUT, 200, Set.of("person", "car"), 0.5)) {
            // one region: pixels x 80..120, y 20..60 of the 200x100 frame; widened by a quarter: 70..130, 10..70
            List<Detections.Detected> found = d.detect(FRAME, List.of(new Box(0.4, 0.2, 0.2, 0.4)));

            assertThat(found).singleElement().satisfies(p -> {
                assertThat(p.label()).isEqualTo("person");
                assertThat(p.confidence()).isCloseTo(0.9, org.assertj.core.data.Offset.offset(1e-6));
                // the 60x60 crop fills the 64x64 input exactly (scale 64/60, no padding):
                // x = (32 - 8) * 60/64 + 70 = 92.5, w = 16 * 60/64 = 15; y = (32 - 16) * 60/64 + 10 = 25, h = 30
                assertThat(p.box().x() * 200).isCloseTo(92.5, org.assertj.core.data.Offset.offset(0.5));
                assertThat(p.box().w() * 200).isCloseTo(15, org.assertj.core.data.Offset.offset(0.5));
                assertThat(p.box().y() * 100).isCloseTo(25, org.assertj.core.data.Offset.offset(0.5));
                assertThat(p.box().h() * 100).isCloseTo(30, org.assertj.core.data.Offset.offset(0.5));
            });
            assertThat(d.name()).isEqualTo("onnx:fixed.onnx");
        }
    }

    @Test
    void findsNothingWithoutMotionRegions() throws Exception {
        try (OnnxDetector d = new OnnxDetector(model(head()), INPUT, 200, Set.of("person"), 0.5)) {
            assertThat(d.detect(FRAME, List.of())).isEmpty();
        }
    }

    @Test
    void aMissingOrBrokenModelIsAClearError() throws Exception {
        assertThatThrownBy(() -> new OnnxDetector(dir.resolve("none.onnx"), INPUT, 200, Set.of("person"), 0.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("none.onnx");
        Path junk = Files.write(dir.resolve("junk.onnx"), new byte[] {1, 2, 3, 4});
        assertThatThrownBy(() -> new OnnxDetector(junk, INPUT, 200, Set.of("person"), 0.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("junk.onnx");
    }
}
