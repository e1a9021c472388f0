package org.vigil.capture.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.vigil.capture.analysis.ObjectDetector;
import org.vigil.capture.config.CaptureConfig;

class DetectorChoiceTest {

    private static CaptureConfig.Detector settings(String kind, Path model) {
        return new CaptureConfig.Detector() {
            public boolean enabled() {
                return true;
            }

            public String kind() {
                return kind;
            }

            public Optional<Path> model() {
                return Optional.ofNullable(model);
            }

            public int inputSize() {
                return 640;
            }

            public Set<String> labels() {
                return Set.of("person");
            }

            public double fps() {
                return 2;
            }

            @Override
            public java.time.Duration longestSearchInterval() {
                return java.time.Duration.ofSeconds(2);
            }

            @Override
            public java.time.Duration confirmInterval() {
                return java.time.Duration.ofSeconds(5);
            }

            public int width() {
                return 640;
            }

            public double minConfidence() {
                return 0.5;
            }
        };
    }

    @Test
    void hogNeedsNoModel() {
        try (ObjectDetector d = Analyser.newDetector(settings("hog", null))) {
            assertThat(d.name()).isEqualTo("hog-people");
        }
    }

    @Test
    void onnxWithoutAModelSaysWhichSettingIsMissing() {
        assertThatThrownBy(() -> Analyser.newDetector(settings("onnx", null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vigil.capture.detector.model");
    }

    @Test
    void anUnknownKindIsNamed() {
        assertThatThrownBy(() -> Analyser.newDetector(settings("magic", null))).hasMessageContaining("magic");
    }
}
