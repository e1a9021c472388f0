package org.vigil.capture.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.vigil.capture.analysis.AnalysisArea;
import org.vigil.capture.analysis.DetectionCadence;
import org.vigil.capture.analysis.GrayImage;
import org.vigil.capture.analysis.HogPeopleDetector;
import org.vigil.capture.analysis.MotionDetector;
import org.vigil.capture.analysis.MotionTracker;
import org.vigil.contracts.MotionEvent;

/**
 * What the people detector costs a camera, and what its cadence (design 0028) gives up: real footage run through the
 * service's own parts as the analyser runs them (motion at 320 pixels wide and 5 analysed frames a second, the
 * motion tracker's events, {@link DetectionCadence}, the HOG detector on the 640-wide frame in the motion regions),
 * once per cadence. For each: the detector's looks while searching and while confirming, its time as a share of a core
 * per camera (the median of three passes), the motion events, those that got a person, and how long after an event's
 * start its first person came.
 *
 * <p>Baseline, in the same run: the detector at its searching rate throughout (2 looks a second while there is motion,
 * no back-off and no confirming interval), the cost the cadence is there to cut. Clips: one-by-one-person-detection.mp4
 * (the site-node benchmark's footage: people enter, stand and leave, long empty stretches) and PETS 2009 S2.L1 (people
 * walking outdoors throughout).
 *
 * <p>Run: {@code bench/run detector-cost}. Exits 3 when a clip is missing; no goal (a figure for design 0028).
 */
public final class DetectorCostBench {

    static final double ANALYSIS_FPS = StillScenes.ANALYSIS_FPS;
    static final int MOTION_WIDTH = StillScenes.WIDTH;
    static final int DETECTOR_WIDTH = 640;
    static final int PASSES = 3;

    /** A cadence: the searching interval, the longest search wait, the confirming interval. */
    record Cadence(String name, Duration searching, Duration longestSearch, Duration confirming) {
        DetectionCadence make() {
            return new DetectionCadence(searching, longestSearch, confirming);
        }
    }

    static final Cadence BASELINE = new Cadence("2 a second throughout (baseline)", Duration.ofMillis(500),
            Duration.ofMillis(500), Duration.ofMillis(500));
    static final List<Cadence> CADENCES = List.of(BASELINE,
            new Cadence("search 0.5 -> 2 s, confirm 2 s (before)", Duration.ofMillis(500), Duration.ofSeconds(2),
                    Duration.ofSeconds(2)),
            new Cadence("search 0.5 -> 2 s, confirm 5 s (shipped)", Duration.ofMillis(500), Duration.ofSeconds(2),
                    Duration.ofSeconds(5)),
            new Cadence("search 0.5 -> 4 s, confirm 5 s", Duration.ofMillis(500), Duration.ofSeconds(4),
                    Duration.ofSeconds(5)));

    private DetectorCostBench() {
    }

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        boolean measured = false;
        for (String clip : List.of(MotionCostBench.CLIP, Pets2009.VIDEO)) {
            Optional<Path> video = Media.file(clip);
            if (video.isEmpty()) {
                System.out.println("detector-cost: " + clip + " NOT MEASURED, input missing: " + Media.missing(clip));
                continue;
            }
            measure(clip, video.get());
            measured = true;
        }
        if (!measured) {
            System.exit(3);
        }
    }

    private static void measure(String clip, Path video) throws Exception {
        double fps = Media.frameRate(video);
        List<GrayImage> small = Media.grayFrames(video, MOTION_WIDTH);
        List<GrayImage> large = Media.grayFrames(video, DETECTOR_WIDTH);
        List<Integer> analysed = new ArrayList<>();
        double next = 0;
        for (int k = 0; k < small.size(); k++) {
            if (k / fps >= next - 1e-9) {
                analysed.add(k);
                next = k / fps + 1 / ANALYSIS_FPS;
            }
        }
        double seconds = small.size() / fps;
        System.out.printf("detector-cost: %s, %.0f s (%d frames at %.0f fps, %d analysed), HOG at %d wide%n", clip,
                seconds, small.size(), fps, analysed.size(), large.get(0).width());
        System.out.printf("  %-42s %9s %10s %9s %12s %7s %9s %15s%n", "cadence", "searching", "confirming", "ms/look",
                "% of a core", "events", "labelled", "first person s");
        Map<Cadence, Double> cost = new LinkedHashMap<>();
        for (Cadence c : CADENCES) {
            Run[] passes = new Run[PASSES];
            for (int p = 0; p < PASSES; p++) {
                passes[p] = run(c, small, large, analysed, fps);
            }
            Run r = passes[0];
            double[] ms = Arrays.stream(passes).mapToDouble(x -> x.nanos / 1e6).sorted().toArray();
            double median = ms[ms.length / 2];
            double share = median / seconds / 10; // ms of work per second of footage -> % of a core
            cost.put(c, share);
            System.out.printf("  %-42s %9d %10d %9.1f %12.3f %7d %9d %15s%n", c.name(), r.searching, r.confirming,
                    median / Math.max(1, r.searching + r.confirming), share, r.events, r.labelled,
                    r.delays.isEmpty() ? "-" : String.format("%.1f / %.1f", mean(r.delays), max(r.delays)));
        }
        double base = cost.get(BASELINE);
        for (Map.Entry<Cadence, Double> e : cost.entrySet()) {
            if (e.getKey() != BASELINE) {
                System.out.printf("  ratio to the baseline: %-42s %.2f%n", e.getKey().name(), e.getValue() / base);
            }
        }
        System.out.println("  (first person: mean / longest seconds from a labelled event's start to its first person)");
    }

    /** One pass of a clip with one cadence. */
    static final class Run {
        int searching;
        int confirming;
        long nanos;
        int events;
        int labelled;
        final List<Double> delays = new ArrayList<>();
    }

    private static Run run(Cadence c, List<GrayImage> small, List<GrayImage> large, List<Integer> analysed,
            double fps) {
        Run r = new Run();
        MotionDetector motion = MotionDetector.forRate(MotionAccuracyBench.SENSITIVITY, MotionAccuracyBench.MIN_AREA,
                ANALYSIS_FPS, MotionAccuracyBench.ABSORB_SECONDS);
        AnalysisArea area = new AnalysisArea(small.get(0).width(), small.get(0).height(), List.of(), List.of());
        MotionTracker tracker = new MotionTracker("cam", "site", MotionTracker.Settings.DEFAULT);
        DetectionCadence cadence = c.make();
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        Instant started = null;
        boolean found = false;
        try (HogPeopleDetector hog = new HogPeopleDetector(0.5, DETECTOR_WIDTH)) {
            for (int k : analysed) {
                Instant now = t0.plusNanos((long) (k / fps * 1e9));
                MotionDetector.Result m = motion.analyse(small.get(k), area);
                Optional<MotionEvent> e = tracker.observe(now, m);
                if (e.isPresent() && e.get().phase() == MotionEvent.Phase.START) {
                    r.events++;
                    started = e.get().startedAt();
                    found = false;
                }
                if (m.moving() && tracker.active() && cadence.due(now, tracker.currentEventId())) {
                    if (cadence.confirming()) {
                        r.confirming++;
                    } else {
                        r.searching++;
                    }
                    long t = System.nanoTime();
                    boolean hit = !hog.detect(large.get(k), m.boxes()).isEmpty();
                    r.nanos += System.nanoTime() - t;
                    cadence.looked(now, hit);
                    if (hit && !found) {
                        found = true;
                        r.labelled++;
                        r.delays.add(Duration.between(started, now).toMillis() / 1000.0);
                    }
                }
            }
        }
        return r;
    }

    private static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }

    private static double max(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }
}
