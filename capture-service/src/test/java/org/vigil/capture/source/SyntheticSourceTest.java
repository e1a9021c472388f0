package org.vigil.capture.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.InstantSource;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.vigil.capture.analysis.AnalysisArea;
import org.vigil.capture.analysis.FrameDecoder;
import org.vigil.capture.analysis.GrayImage;
import org.vigil.capture.analysis.MotionDetector;
import org.vigil.contracts.Zone;

class SyntheticSourceTest {

    @Test
    void producesDecodableH264StartingWithAKeyFrameAndMotionOnlyWhenTheFigureWalks() throws Exception {
        int fps = 15;
        int framesBeforeWalk = (int) (SyntheticSource.WALK_START.toMillis() * fps / 1000);
        int frames = framesBeforeWalk + fps; // one second of walking
        List<Zone> masks = List.of(new Zone("clock", List.of(new Zone.Point(0, 0), new Zone.Point(1, 0),
                new Zone.Point(1, SyntheticSource.CLOCK_STRIP), new Zone.Point(0, SyntheticSource.CLOCK_STRIP))));
        int movingBefore = 0;
        int movingDuring = 0;
        try (SyntheticSource src = SyntheticSource.open("test:?size=320x180&fps=" + fps, InstantSource.system())) {
            assertThat(src.params().codec()).isIn("h264", "mpeg4");
            assertThat(src.params().width()).isEqualTo(320);
            try (FrameDecoder dec = new FrameDecoder(src.params())) {
                MotionDetector detector = new MotionDetector(0.5, 0.002, 1000);
                AnalysisArea area = null;
                for (int i = 0; i < frames; i++) {
                    Packet p = src.read();
                    if (i == 0) {
                        assertThat(p.keyFrame()).isTrue();
                    }
                    assertThat(p.timeBaseDen()).isEqualTo(fps);
                    assertThat(dec.decode(p.data())).as("packet %d decodes to a picture", i).isTrue();
                    GrayImage g = dec.gray(160);
                    if (area == null) {
                        area = new AnalysisArea(g.width(), g.height(), List.of(), masks);
                    }
                    boolean moving = detector.analyse(g, area).moving();
                    if (i < framesBeforeWalk) {
                        movingBefore += moving ? 1 : 0;
                    } else {
                        movingDuring += moving ? 1 : 0;
                    }
                }
                byte[] jpeg = dec.jpeg(320, 80);
                assertThat(jpeg).startsWith((byte) 0xFF, (byte) 0xD8);
            }
        }
        assertThat(movingBefore).as("frames with motion before the figure enters").isZero();
        assertThat(movingDuring).as("frames with motion while it walks").isGreaterThan(fps / 2);
    }

    @Test
    void rejectsBadOptionsWithAClearMessage() {
        assertThatThrownBy(() -> SyntheticSource.open("test:?size=big", InstantSource.system()))
                .isInstanceOf(SourceException.class).hasMessageContaining("test:?size=640x360");
        assertThatThrownBy(() -> SyntheticSource.open("test:?size=641x360", InstantSource.system()))
                .hasMessageContaining("even");
    }
}
