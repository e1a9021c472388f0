package org.vigil.capture.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.bytedeco.javacpp.Loader;
import org.vigil.capture.analysis.AnalysisArea;
import org.vigil.capture.analysis.FrameDecoder;
import org.vigil.capture.analysis.GrayImage;
import org.vigil.capture.analysis.MotionDetector;
import org.vigil.contracts.StreamParams;
import org.vigil.devstack.testing.TestClips;

/**
 * Decode + motion throughput of the capture service's analysis path, one thread, against
 * {@code ffmpeg -threads 1 -skip_loop_filter all -f h264 -i STREAM -f null -} (decode only), in the same run, at 1080p
 * and 640x360. Both sides start from demuxed H.264: Vigil from packets in memory (as they arrive from Kafka), ffmpeg
 * from the same clip's Annex B elementary stream (made once, outside the timing), and both skip the deblocking filter.
 * Vigil's loop is the service's: every packet decoded (H.264 needs every reference frame), motion on a 320-wide grey
 * frame at the default analysis rate of 5 per second of video, and, as a harder second figure, on every frame.
 * Goal: ratio at the default analysis rate &ge; {@value #GOAL}.
 *
 * <p>Footage: bottle-detection.mp4 (real 640x360 H.264 High) and one-by-one-person-detection.mp4 re-encoded to
 * 1080p15 H.264 (real scene, camera-like encoding). Without the media folder it exits 3 and says which clip is missing
 * (a synthetic pattern decodes far faster than real footage and would not be an honest figure).
 *
 * <p>Run: {@code bench/run capture-throughput}. Needs the ffmpeg program (the one in JavaCV's jar needs libpulse0).
 */
public final class DecodeMotionThroughputBench {

    static final double GOAL = 0.9;
    static final double ANALYSIS_FPS = 5;

    private DecodeMotionThroughputBench() {
    }

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        Path dir = Files.createDirectories(Path.of("target", "bench-clips"));
        boolean ok = true;
        for (String name : List.of("one-by-one-person-detection.mp4", "bottle-detection.mp4")) {
            if (Media.file(name).isEmpty()) {
                System.out.println("NOT MEASURED, input missing: " + Media.missing(name));
                System.exit(3);
            }
        }
        for (Path file : List.of(clip1080(dir), Media.file("bottle-detection.mp4").orElseThrow())) {
            TestClips.Clip clip = TestClips.packets(file);
            double fps = clip.frameRate() > 0 ? clip.frameRate() : 15;
            int frames = clip.packets().size();
            Path stream = elementaryStream(file, dir);
            double ffmpeg = best(3, () -> ffmpegDecode(stream));
            double paced = best(3, () -> vigil(clip, fps, ANALYSIS_FPS));
            double every = best(3, () -> vigil(clip, fps, fps));
            System.out.printf("%s: %dx%d %s at %.2f fps, %d frames%n", file.getFileName(), clip.width(), clip.height(),
                    clip.codec(), fps, frames);
            System.out.printf("  ffmpeg -threads 1 -skip_loop_filter all, decode only of the elementary stream %7.0f fps%n",
                    frames / ffmpeg);
            System.out.printf("  vigil decode + motion at %.0f fps of video   %7.0f fps   ratio %.2f%n", ANALYSIS_FPS,
                    frames / paced, ffmpeg / paced);
            System.out.printf("  vigil decode + motion on every frame       %7.0f fps   ratio %.2f%n", frames / every,
                    ffmpeg / every);
            boolean met = ffmpeg / paced >= GOAL;
            System.out.printf("  goal ratio >= %.1f at the default analysis rate: %s%n", GOAL, met ? "met" : "MISSED");
            ok &= met;
        }
        System.exit(ok ? 0 : 1);
    }

    private static Path clip1080(Path dir) throws Exception {
        Path out = dir.resolve("one-by-one-1080p15.ts");
        if (!Files.exists(out)) {
            Path real = Media.file("one-by-one-person-detection.mp4").orElseThrow();
            TestClips.writeTs(TestClips.reencode(real, 1920, 1080, 15, 30, 600), 15, out);
        }
        return out;
    }

    /** The clip's video as an Annex B H.264 elementary stream: what is left for ffmpeg once demuxing is done. */
    private static Path elementaryStream(Path file, Path dir) throws Exception {
        Path out = dir.resolve(file.getFileName() + ".h264");
        if (!Files.exists(out)) {
            String ffmpeg = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
            Process p = new ProcessBuilder(ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-i", file.toString(),
                    "-map", "0:v:0", "-c:v", "copy", "-bsf:v", "h264_mp4toannexb", "-f", "h264", out.toString())
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("extracting the H.264 stream of " + file + " failed: " + log);
            }
        }
        return out;
    }

    interface Run {
        double seconds() throws Exception;
    }

    private static double best(int tries, Run run) throws Exception {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < tries; i++) {
            best = Math.min(best, run.seconds());
        }
        return best;
    }

    /** Seconds for the capture service's analysis loop over every packet, analysing {@code rate} frames a second. */
    static double vigil(TestClips.Clip clip, double fps, double rate) {
        long t0 = System.nanoTime();
        MotionDetector detector = MotionDetector.forRate(0.5, 0.002, rate, 3);
        AnalysisArea area = null;
        try (FrameDecoder d = new FrameDecoder(new StreamParams(clip.codec(), clip.width(), clip.height(), 0, 1,
                clip.extradata()))) {
            long n = 0;
            double next = 0;
            for (TestClips.ClipPacket p : clip.packets()) {
                if (!d.decode(p.data())) {
                    continue;
                }
                double t = n++ / fps;
                if (t + 1e-9 >= next) {
                    next = t + 1 / rate;
                    GrayImage g = d.gray(320);
                    if (area == null) {
                        area = new AnalysisArea(g.width(), g.height(), List.of(), List.of());
                    }
                    detector.analyse(g, area);
                }
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    static double ffmpegDecode(Path file) throws Exception {
        String ffmpeg = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        // -benchmark reports the time of the decoding loop itself (rtime), without process start-up and probing
        List<String> cmd = new ArrayList<>(List.of(ffmpeg, "-hide_banner", "-nostats", "-benchmark", "-threads", "1",
                "-skip_loop_filter", "all", "-f", "h264", "-i", file.toString(), "-f", "null", "-"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("ffmpeg failed: " + out);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("rtime=([0-9.]+)s").matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no -benchmark figure in ffmpeg's output: " + out);
        }
        return Double.parseDouble(m.group(1));
    }
}
