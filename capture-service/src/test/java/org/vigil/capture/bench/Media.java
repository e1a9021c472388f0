package org.vigil.capture.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.vigil.capture.analysis.FrameDecoder;
import org.vigil.capture.analysis.GrayImage;
import org.vigil.contracts.StreamParams;
import org.vigil.devstack.testing.SharedMedia;
import org.vigil.devstack.testing.TestClips;

/** The shared clips ({@link SharedMedia}) and what the capture benchmarks need from them. */
public final class Media {

    private Media() {
    }

    public static Path dir() {
        return SharedMedia.dir();
    }

    /** The file, when the media folder has it. */
    public static Optional<Path> file(String name) {
        return SharedMedia.file(name);
    }

    /** Why a figure cannot be computed here, for a skip message. */
    public static String missing(String name) {
        return SharedMedia.missing(name);
    }

    /** Every frame of the clip's video, decoded and scaled to grey {@code width} pixels wide, in order. */
    public static List<GrayImage> grayFrames(Path file, int width) throws IOException {
        TestClips.Clip c = TestClips.packets(file);
        List<GrayImage> out = new ArrayList<>();
        try (FrameDecoder d = new FrameDecoder(new StreamParams(c.codec(), c.width(), c.height(), 0, 1, c.extradata()))) {
            Runnable take = () -> out.add(d.gray(width));
            for (TestClips.ClipPacket p : c.packets()) {
                d.decode(p.data(), take);
            }
            d.flush(take);
        }
        return out;
    }

    /** The clip's nominal frame rate. */
    public static double frameRate(Path file) throws IOException {
        return TestClips.packets(file).frameRate();
    }
}
