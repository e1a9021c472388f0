package org.vigil.recorder.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.vigil.devstack.testing.SharedMedia;
import org.vigil.devstack.testing.TestClips;

/** The benchmarks' camera stream: 1080p15 H.264, a key frame every 2 s, from real footage when it is there. */
public final class BenchClip {

    public static final int FPS = 15;

    private BenchClip() {
    }

    /** The clip as MPEG-TS (for ffmpeg), encoded once into {@code dir}. */
    public static Path ts(Path dir, int frames) throws Exception {
        Optional<Path> real = SharedMedia.file("one-by-one-person-detection.mp4");
        Path out = dir.resolve((real.isPresent() ? "one-by-one" : "pattern") + "-1080p15-" + frames + ".ts");
        if (!Files.exists(out)) {
            System.out.println("encoding " + out.getFileName() + " (once; " + (real.isPresent() ? "real footage"
                    : SharedMedia.missing("one-by-one-person-detection.mp4") + ": a drawn pattern instead") + ")...");
            TestClips.Clip c = real.isPresent() ? TestClips.reencode(real.get(), 1920, 1080, FPS, 2 * FPS, frames)
                    : TestClips.h264(frames / FPS, FPS, 1920, 1080, 2 * FPS);
            Files.createDirectories(dir);
            TestClips.writeTs(c, FPS, out);
        }
        return out;
    }
}
