package org.vigil.capture.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.vigil.capture.analysis.GrayImage;
import org.vigil.capture.analysis.MotionTracker;
import org.vigil.contracts.MotionEvent;

/**
 * Motion events on mostly still indoor scenes (bottle-detection, one-by-one-person-detection), as the capture
 * service would raise them: frames analysed at {@link #ANALYSIS_FPS} and {@link #WIDTH} pixels wide, events from
 * {@link MotionTracker} with its default hysteresis.
 *
 * <p>Compared with the heuristic motion profile in {@code derived/} (not ground truth): its active spans are the runs
 * with changed_fraction &gt; 0.002, merged across gaps under 1 s, kept when at least 0.3 s long. Still stretches are
 * the gaps between active spans, less {@link #MARGIN} at each side, when at least 3 s long.
 */
public final class StillScenes {

    public static final List<String> CLIPS = List.of("bottle-detection.mp4", "one-by-one-person-detection.mp4");
    public static final double ANALYSIS_FPS = 5;
    public static final int WIDTH = 320;
    static final double MARGIN = 1.0;

    /** A stretch of time in seconds. */
    record Span(double start, double end) {
        double length() {
            return end - start;
        }

        boolean contains(double t) {
            return t >= start && t < end;
        }

        boolean overlaps(Span o) {
            return start < o.end && o.start < end;
        }
    }

    /**
     * Figures for one clip.
     *
     * @param stillMinutes      total length of the still stretches
     * @param falseEvents       events that started inside a still stretch
     * @param spans             active spans in the profile
     * @param spansHit          active spans that an event overlaps
     * @param medianStartOffset median of (event start − span start) over hit spans, seconds
     * @param medianEndOffset   median of (event end − span end) over hit spans, seconds
     * @param events            all events raised
     */
    public record Score(String clip, double stillMinutes, int falseEvents, int spans, int spansHit,
            double medianStartOffset, double medianEndOffset, int events) {
        public double falseEventsPerStillMinute() {
            return falseEvents / Math.max(1e-9, stillMinutes);
        }
    }

    private final String clip;
    private final List<GrayImage> frames;
    private final double fps;
    private final List<Span> active;
    private final double duration;

    private StillScenes(String clip, List<GrayImage> frames, double fps, List<Span> active) {
        this.clip = clip;
        this.frames = frames;
        this.fps = fps;
        this.active = active;
        this.duration = frames.size() / fps;
    }

    public static StillScenes load(String clip, Path video, Path profile) throws IOException {
        return new StillScenes(clip, Media.grayFrames(video, WIDTH), Media.frameRate(video), activeSpans(profile));
    }

    static List<Span> activeSpans(Path profile) throws IOException {
        List<double[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(profile)) {
            if (line.startsWith("#") || line.startsWith("frame") || line.isBlank()) {
                continue;
            }
            String[] f = line.split(",");
            rows.add(new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[2])});
        }
        List<Span> runs = new ArrayList<>();
        double start = -1;
        double last = -1;
        for (double[] r : rows) {
            if (r[1] > 0.002) {
                if (start < 0) {
                    start = r[0];
                }
                last = r[0];
            } else if (start >= 0) {
                runs.add(new Span(start, last));
                start = -1;
            }
        }
        if (start >= 0) {
            runs.add(new Span(start, last));
        }
        List<Span> merged = new ArrayList<>();
        for (Span s : runs) {
            if (!merged.isEmpty() && s.start() - merged.get(merged.size() - 1).end() < 1.0) {
                Span prev = merged.remove(merged.size() - 1);
                merged.add(new Span(prev.start(), s.end()));
            } else {
                merged.add(s);
            }
        }
        return merged.stream().filter(s -> s.length() >= 0.3).toList();
    }

    List<Span> stillStretches() {
        List<Span> still = new ArrayList<>();
        double from = 0;
        for (Span a : active) {
            add(still, from + (from == 0 ? 0 : MARGIN), a.start() - MARGIN);
            from = a.end();
        }
        add(still, from + MARGIN, duration);
        return still;
    }

    private static void add(List<Span> out, double start, double end) {
        if (end - start >= 3) {
            out.add(new Span(start, end));
        }
    }

    public Score score(MaskSource detector) {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        MotionTracker tracker = new MotionTracker("bench", "bench", MotionTracker.Settings.DEFAULT);
        List<Span> events = new ArrayList<>();
        double next = 0;
        double openedAt = -1;
        for (int i = 0; i < frames.size(); i++) {
            double t = i / fps;
            if (t < next) {
                continue;
            }
            next = t + 1 / ANALYSIS_FPS;
            var e = tracker.observe(t0.plus(Duration.ofNanos((long) (t * 1e9))), detector.next(frames.get(i)));
            if (e.isPresent()) {
                double at = Duration.between(t0, e.get().at()).toNanos() / 1e9;
                if (e.get().phase() == MotionEvent.Phase.START) {
                    openedAt = at;
                } else if (e.get().phase() == MotionEvent.Phase.END) {
                    events.add(new Span(openedAt, at));
                    openedAt = -1;
                }
            }
        }
        if (openedAt >= 0) {
            events.add(new Span(openedAt, duration));
        }
        List<Span> still = stillStretches();
        double stillSeconds = still.stream().mapToDouble(Span::length).sum();
        int falseEvents = (int) events.stream().filter(ev -> still.stream().anyMatch(s -> s.contains(ev.start()))).count();
        List<Double> startOffsets = new ArrayList<>();
        List<Double> endOffsets = new ArrayList<>();
        for (Span a : active) {
            events.stream().filter(ev -> ev.overlaps(new Span(a.start() - MARGIN, a.end() + MARGIN))).findFirst()
                    .ifPresent(ev -> {
                        startOffsets.add(ev.start() - a.start());
                        endOffsets.add(ev.end() - a.end());
                    });
        }
        return new Score(clip, stillSeconds / 60, falseEvents, active.size(), startOffsets.size(), median(startOffsets),
                median(endOffsets), events.size());
    }

    private static double median(List<Double> v) {
        if (v.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = v.stream().sorted().toList();
        return s.get(s.size() / 2);
    }
}
