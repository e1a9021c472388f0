package org.vigil.capture.analysis;

import java.util.ArrayList;
import java.util.List;

import org.vigil.contracts.Box;

/**
 * Finds moving regions in a stream of small grey frames with a running-average background model.
 *
 * <ul>
 * <li>Each pixel's difference to the background above a threshold (lower with higher sensitivity) marks it as
 * foreground.</li>
 * <li>Foreground is grouped into {@value #CELL}x{@value #CELL} cells; a cell is active when most of it is
 * foreground, which suppresses single-pixel sensor noise. Connected active cells form a region; regions smaller than
 * the minimum area are dropped.</li>
 * <li>The background follows the scene slowly (faster where nothing moves), so gradual light changes and objects
 * that stop are absorbed. A sudden change of most of the frame (lights switched, camera auto-exposure) re-learns
 * the background instead of reporting motion.</li>
 * </ul>
 */
public final class MotionDetector {

    static final int CELL = 4;
    private static final double BACKGROUND_RATE = 0.05;
    private static final double FOREGROUND_RATE = 0.005;
    private static final double GLOBAL_CHANGE = 0.6;

    /** Result of one frame: share of the counting area in motion, and the moving regions (normalised). */
    public record Result(double score, List<Box> boxes) {
        public static final Result NONE = new Result(0, List.of());

        public boolean moving() {
            return !boxes.isEmpty();
        }
    }

    private final double threshold;
    private final double minAreaFraction;
    private float[] background;
    private AnalysisArea area;

    /**
     * @param sensitivity     0 (least) to 1 (most)
     * @param minAreaFraction smallest region that counts, as a share of the frame (e.g. 0.002)
     */
    public MotionDetector(double sensitivity, double minAreaFraction) {
        double s = Math.max(0, Math.min(1, sensitivity));
        this.threshold = 12 + (1 - s) * 28;
        this.minAreaFraction = minAreaFraction;
    }

    /** Analyses one frame; the first frame (or a new size) only initialises the background. */
    public Result analyse(GrayImage img, AnalysisArea counting) {
        if (background == null || background.length != img.pixels().length || area != counting) {
            background = new float[img.pixels().length];
            for (int i = 0; i < background.length; i++) {
                background[i] = img.pixels()[i] & 0xff;
            }
            area = counting;
            return Result.NONE;
        }
        int w = img.width();
        int h = img.height();
        byte[] px = img.pixels();
        boolean[] fg = new boolean[px.length];
        int fgCount = 0;
        for (int i = 0; i < px.length; i++) {
            float v = px[i] & 0xff;
            if (Math.abs(v - background[i]) > threshold && counting.counts(i % w, i / w)) {
                fg[i] = true;
                fgCount++;
            }
        }
        if (counting.countingPixels() > 0 && fgCount > GLOBAL_CHANGE * counting.countingPixels()) {
            for (int i = 0; i < px.length; i++) {
                background[i] = px[i] & 0xff;
            }
            return Result.NONE;
        }
        for (int i = 0; i < px.length; i++) {
            float v = px[i] & 0xff;
            background[i] += (float) ((fg[i] ? FOREGROUND_RATE : BACKGROUND_RATE) * (v - background[i]));
        }
        return regions(fg, w, h, counting);
    }

    private Result regions(boolean[] fg, int w, int h, AnalysisArea counting) {
        int cw = (w + CELL - 1) / CELL;
        int ch = (h + CELL - 1) / CELL;
        boolean[] active = new boolean[cw * ch];
        for (int cy = 0; cy < ch; cy++) {
            for (int cx = 0; cx < cw; cx++) {
                int on = 0;
                int total = 0;
                for (int y = cy * CELL; y < Math.min(h, cy * CELL + CELL); y++) {
                    for (int x = cx * CELL; x < Math.min(w, cx * CELL + CELL); x++) {
                        total++;
                        if (fg[y * w + x]) {
                            on++;
                        }
                    }
                }
                active[cy * cw + cx] = on * 2 > total;
            }
        }
        int[] label = new int[active.length];
        int[] stack = new int[active.length];
        List<Box> boxes = new ArrayList<>();
        double movingPixels = 0;
        double minCells = Math.max(1, minAreaFraction * w * h / (CELL * CELL));
        int next = 0;
        for (int start = 0; start < active.length; start++) {
            if (!active[start] || label[start] != 0) {
                continue;
            }
            next++;
            int sp = 0;
            stack[sp++] = start;
            label[start] = next;
            int cells = 0;
            int minX = Integer.MAX_VALUE;
            int minY = Integer.MAX_VALUE;
            int maxX = -1;
            int maxY = -1;
            while (sp > 0) {
                int c = stack[--sp];
                cells++;
                int cx = c % cw;
                int cy = c / cw;
                minX = Math.min(minX, cx);
                maxX = Math.max(maxX, cx);
                minY = Math.min(minY, cy);
                maxY = Math.max(maxY, cy);
                int[] neighbours = {cx > 0 ? c - 1 : -1, cx < cw - 1 ? c + 1 : -1, cy > 0 ? c - cw : -1,
                    cy < ch - 1 ? c + cw : -1};
                for (int n : neighbours) {
                    if (n >= 0 && active[n] && label[n] == 0) {
                        label[n] = next;
                        stack[sp++] = n;
                    }
                }
            }
            if (cells >= minCells) {
                movingPixels += cells * (double) CELL * CELL;
                double x0 = minX * CELL / (double) w;
                double y0 = minY * CELL / (double) h;
                double x1 = Math.min(w, (maxX + 1) * CELL) / (double) w;
                double y1 = Math.min(h, (maxY + 1) * CELL) / (double) h;
                boxes.add(new Box(x0, y0, x1 - x0, y1 - y0));
            }
        }
        double score = counting.countingPixels() == 0 ? 0 : Math.min(1, movingPixels / counting.countingPixels());
        return new Result(score, List.copyOf(boxes));
    }
}
