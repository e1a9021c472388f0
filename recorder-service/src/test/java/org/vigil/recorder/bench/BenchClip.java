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

    /**
     * The clip as MPEG-TS (for ffmpeg), encoded once into {@code dir}. Without the shared media the benchmark ends here
     * with status 3, naming the missing clip: a drawn pattern compresses far better than a camera's picture, so its
     * figures would not be honest ones.
     */
    public static Path ts(Path dir, int frames) throws Exception {
        Optional<Path> real = SharedMedia.file("one-by-one-person-detection.mp4");
        if (real.isEmpty()) {
            System.out.println("NOT MEASURED, input missing: " + SharedMedia.missing("one-by-one-person-detection.mp4"));
            System.exit(3);
        }
        Path out = dir.resolve("one-by-one-1080p15-" + frames + ".ts");
        if (!Files.exists(out)) {
            System.out.println("encoding " + out.getFileName() + " (once)...");
            TestClips.Clip c = TestClips.reencode(real.get(), 1920, 1080, FPS, 2 * FPS, frames);
            Files.createDirectories(dir);
            TestClips.writeTs(c, FPS, out);
        }
        return out;
    }
}
