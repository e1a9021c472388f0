package org.vigil.capture.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.vigil.capture.analysis.GrayImage;
import org.vigil.contracts.Box;

/**
 * PETS 2009 S2.L1 view 1, frames 0..249, with Anton Milan's person boxes: the share of annotated people covered by a
 * motion box (at least half of the person's box inside one motion box), and motion boxes per frame that cover no
 * person (less than a tenth of the motion box on any person). Frames are analysed at {@link #WIDTH} pixels, as the
 * capture service does by default.
 */
public final class Pets2009 {

    public static final String VIDEO = "pets2009_s2l1_view001_f000-249.avi";
    public static final String TRUTH = "pets2009_s2l1_view001_f000-249.gt.csv";
    public static final int WIDTH = 320;
    /** vtest.avi is stamped 10 fps; every frame is analysed. */
    public static final double FPS = 10;
    static final double FRAME_W = 768;
    static final double FRAME_H = 576;
    /** The first frames only teach the background model; they are not scored. */
    static final int WARM_UP = 10;

    /** Figures over the scored frames. */
    public record Score(int people, int covered, int falseBoxes, int frames) {
        public double coverage() {
            return covered / (double) Math.max(1, people);
        }

        public double falseBoxesPerFrame() {
            return falseBoxes / (double) Math.max(1, frames);
        }
    }

    private final List<GrayImage> frames;
    private final Map<Integer, List<Box>> people;
    private final Path video;
    private List<GrayImage> fullFrames;

    private Pets2009(List<GrayImage> frames, Map<Integer, List<Box>> people, Path video) {
        this.frames = frames;
        this.people = people;
        this.video = video;
    }

    /** Detection figures: matched at IoU &ge; 0.5, one detection per person at most. */
    public record DetectionScore(int people, int detections, int matched, double millisPerFrame) {
        public double precision() {
            return matched / (double) Math.max(1, detections);
        }

        public double recall() {
            return matched / (double) Math.max(1, people);
        }
    }

    /**
     * Runs {@code detector} on the native-resolution frames, inside the motion regions of {@code motion} when
     * {@code gated}, else on the whole frame (the baseline that shows what gating saves and costs).
     */
    public DetectionScore scoreDetections(org.vigil.capture.analysis.HogPeopleDetector detector, MaskSource motion,
            boolean gated) throws IOException {
        if (fullFrames == null) {
            fullFrames = Media.grayFrames(video, (int) FRAME_W);
        }
        int total = 0;
        int found = 0;
        int matched = 0;
        long nanos = 0;
        int scored = 0;
        for (int i = 0; i < frames.size(); i++) {
            List<Box> regions = motion.next(frames.get(i)).boxes();
            if (i < WARM_UP) {
                continue;
            }
            long t0 = System.nanoTime();
            List<org.vigil.contracts.Detections.Detected> hits = detector.detect(fullFrames.get(i),
                    gated ? regions : List.of(new Box(0, 0, 1, 1)));
            nanos += System.nanoTime() - t0;
            scored++;
            List<Box> truth = new ArrayList<>(people.getOrDefault(i, List.of()));
            total += truth.size();
            found += hits.size();
            for (var h : hits) {
                Box best = null;
                double bestIou = 0.5;
                for (Box t : truth) {
                    double iou = iou(t, h.box());
                    if (iou >= bestIou) {
                        best = t;
                        bestIou = iou;
                    }
                }
                if (best != null) {
                    truth.remove(best);
                    matched++;
                }
            }
        }
        return new DetectionScore(total, found, matched, nanos / 1e6 / Math.max(1, scored));
    }

    static double iou(Box a, Box b) {
        double inter = overlap(a, b);
        return inter == 0 ? 0 : inter / (area(a) + area(b) - inter);
    }

    public static Pets2009 load(Path video, Path truth) throws IOException {
        Map<Integer, List<Box>> people = new HashMap<>();
        for (String line : Files.readAllLines(truth)) {
            if (line.startsWith("#") || line.startsWith("frame") || line.isBlank()) {
                continue;
            }
            String[] f = line.split(",");
            people.computeIfAbsent(Integer.parseInt(f[0]), k -> new ArrayList<>()).add(new Box(
                    Double.parseDouble(f[2]) / FRAME_W, Double.parseDouble(f[3]) / FRAME_H,
                    Double.parseDouble(f[4]) / FRAME_W, Double.parseDouble(f[5]) / FRAME_H));
        }
        return new Pets2009(Media.grayFrames(video, WIDTH), people, video);
    }

    public Score score(MaskSource detector) {
        int total = 0;
        int covered = 0;
        int falseBoxes = 0;
        int scored = 0;
        for (int i = 0; i < frames.size(); i++) {
            List<Box> boxes = detector.next(frames.get(i)).boxes();
            if (i < WARM_UP) {
                continue;
            }
            scored++;
            List<Box> truth = people.getOrDefault(i, List.of());
            for (Box person : truth) {
                total++;
                if (boxes.stream().anyMatch(b -> overlap(person, b) >= 0.5 * area(person))) {
                    covered++;
                }
            }
            for (Box b : boxes) {
                if (truth.stream().noneMatch(person -> overlap(person, b) >= 0.1 * area(b))) {
                    falseBoxes++;
                }
            }
        }
        return new Score(total, covered, falseBoxes, scored);
    }

    static double area(Box b) {
        return b.w() * b.h();
    }

    static double overlap(Box a, Box b) {
        double w = Math.min(a.x() + a.w(), b.x() + b.w()) - Math.max(a.x(), b.x());
        double h = Math.min(a.y() + a.h(), b.y() + b.h()) - Math.max(a.y(), b.y());
        return w <= 0 || h <= 0 ? 0 : w * h;
    }

    int frames() {
        return frames.size();
    }
}
