package org.vigil.capture.analysis;

import java.util.ArrayList;
import java.util.List;

import org.vigil.contracts.Box;

/**
 * Finds moving regions in a stream of small grey frames.
 *
 * <p>Background model: a sample-based model in the manner of ViBe (Barnich and Van Droogenbroeck, 2011). Each pixel
 * keeps {@value #SAMPLES} past values; it is background when at least {@value #MATCHES} of them lie within a
 * radius of its current value (the radius shrinks as sensitivity grows). Background pixels refresh one of their
 * samples, and one of a random neighbour's, with probability 1/{@value #SUBSAMPLING}: the model follows slow light
 * changes and absorbs objects that stop, without a fixed learning rate to tune per scene. Sensor noise stays inside
 * the radius.
 *
 * <p>Then:
 * <ul>
 * <li>shadows: a foreground pixel that is uniformly darker than a running average of the background (ratio within
 * {@value #SHADOW_MIN}..{@value #SHADOW_MAX}, nearly the same ratio across its 3x3 neighbourhood, so the texture
 * beneath is unchanged) is a cast shadow, not an object;</li>
 * <li>a 3x3 majority vote removes speckle and fills pin-holes;</li>
 * <li>a sudden change of most of the frame (lights switched, auto-exposure) re-learns the model instead of
 * reporting motion;</li>
 * <li>connected foreground on a {@value #CELL}-pixel grid forms regions; regions under the minimum area are dropped.</li>
 * </ul>
 * Deterministic for a given input (seeded generator), so accuracy figures are reproducible.
 */
public final class MotionDetector {

    static final int SAMPLES = 16;
    static final int MATCHES = 2;
    static final int SUBSAMPLING = 16;
    static final int CELL = 4;
    static final double SHADOW_MIN = 0.45;
    static final double SHADOW_MAX = 0.92;
    private static final double GLOBAL_CHANGE = 0.6;
    private static final float MEAN_RATE = 0.02f;
    /** Random draws for model updates, walked through from a new random start each frame (ViBe's usual trick). */
    private static final int[] RANDOM = new int[1 << 14];
    private static final int RANDOM_MASK = RANDOM.length - 1;

    static {
        long seed = 0x2545F4914F6CDD1DL;
        for (int i = 0; i < RANDOM.length; i++) {
            seed ^= seed << 13;
            seed ^= seed >>> 7;
            seed ^= seed << 17;
            RANDOM[i] = (int) (seed >>> 32);
        }
    }

    /** Share of a region's pixels that must have changed since the previous frame for it to count as moving. */
    private static final double MOVING_SHARE = 0.03;

    /**
     * Result of one frame.
     *
     * @param score share of the counting area in motion (after filtering), 0..1
     * @param boxes moving regions, normalised
     * @param mask  per-pixel foreground after filtering (row-major, the frame's size); {@code null} on learning frames
     */
    public record Result(double score, List<Box> boxes, boolean[] mask) {
        public static final Result NONE = new Result(0, List.of(), null);

        public boolean moving() {
            return !boxes.isEmpty();
        }
    }

    private final int radius;
    private final int quickRadius16;
    private final double minAreaFraction;
    private final int absorbAfter;
    /** Each pixel's samples side by side: pixel i's are at [i * SAMPLES, (i + 1) * SAMPLES). */
    private byte[] samples;
    /** For pixels in the foreground: since which frame, and the last frame seen there (runs, touched sparsely). */
    private int[] foregroundSince;
    private int[] foregroundLast;
    private int frames;
    private byte[] previous;
    /** Foreground before filtering, 0 or 1 per pixel (bytes, so neighbourhoods can be summed without branches). */
    private byte[] raw;
    private boolean[] mask;
    private int[] rowForeground;
    /** Running mean of the background, in 1/16 grey levels. */
    private short[] mean;
    private AnalysisArea area;
    private int width;
    private int height;
    private long rng = 0x9E3779B97F4A7C15L;

    /**
     * @param sensitivity     0 (least) to 1 (most)
     * @param minAreaFraction smallest region that counts, as a share of the frame (e.g. 0.002)
     * @param absorbAfter     analysed frames after which a pixel that stayed foreground joins the background (a
     *                        parked car, a moved bottle, or a ghost where something stood when learning began)
     */
    public MotionDetector(double sensitivity, double minAreaFraction, int absorbAfter) {
        double s = Math.max(0, Math.min(1, sensitivity));
        this.radius = (int) Math.round(8 + (1 - s) * 24);
        this.quickRadius16 = (radius / 2) << 4;
        this.minAreaFraction = minAreaFraction;
        this.absorbAfter = Math.max(1, Math.min(Short.MAX_VALUE, absorbAfter));
    }

    /** A detector that absorbs what stays still for {@code seconds} when frames are analysed at {@code fps}. */
    public static MotionDetector forRate(double sensitivity, double minAreaFraction, double fps, double seconds) {
        return new MotionDetector(sensitivity, minAreaFraction, (int) Math.round(fps * seconds));
    }

    /**
     * Analyses one frame; the first frame (or a new size or area) only initialises the model. The returned mask is
     * reused by the next call: copy it to keep it.
     */
    public Result analyse(GrayImage img, AnalysisArea counting) {
        byte[] px = img.pixels();
        if (samples == null || img.width() != width || img.height() != height || area != counting) {
            learn(img);
            area = counting;
            return Result.NONE;
        }
        int frame = ++frames;
        int w = width;
        int h = height;
        int n = px.length;
        byte[] fg = raw;
        short[] mn = mean;
        // 1. the quick test, branch-free so the JIT can vectorise it: plainly background pixels (close to the
        //    background's running mean) are settled and their mean follows them; the rest are candidates (fg = 1)
        int q = quickRadius16;
        for (int i = 0; i < n; i++) {
            int d = ((px[i] & 0xff) << 4) - mn[i];
            int candidate = (q - 1 - Math.abs(d)) >>> 31; // 1 when |d| >= q
            fg[i] = (byte) candidate;
            mn[i] = (short) (mn[i] + ((d >> 5) & (candidate - 1)));
        }
        // 2. candidates are compared with their samples
        int fgCount = 0;
        for (int y = 0; y < h; y++) {
            int rowCount = 0;
            for (int i = y * w, end = i + w; i < end; i++) {
                if (fg[i] == 0) {
                    continue;
                }
                int v = px[i] & 0xff;
                int matches = 0;
                for (int k = i * SAMPLES, last = k + SAMPLES; k < last; k++) {
                    if (Math.abs(v - (samples[k] & 0xff)) < radius && ++matches == MATCHES) {
                        break;
                    }
                }
                if (matches == MATCHES) {
                    fg[i] = 0;
                    mn[i] = (short) (mn[i] + (((v << 4) - mn[i]) >> 5));
                    continue;
                }
                rowCount++;
                if (foregroundLast[i] != frame - 1) {
                    foregroundSince[i] = frame;
                }
                foregroundLast[i] = frame;
                if (frame - foregroundSince[i] + 1 >= absorbAfter) {
                    // still for too long to be motion: let it into the background, one sample per frame
                    samples[i * SAMPLES + (RANDOM[(i + fgCount) & RANDOM_MASK] & 0xF)] = px[i];
                    mn[i] = (short) (v << 4);
                }
            }
            rowForeground[y] = rowCount;
            fgCount += rowCount;
        }
        // 3. background pixels update the model with probability 1/16 each: visit every 16th pixel on average
        //    (random strides) rather than drawing a number per pixel
        int r = RANDOM_MASK & nextBits();
        for (int i = RANDOM[r] & 0x1F; i < n; i += 1 + (RANDOM[r] & 0x1F)) {
            r = (r + 1) & RANDOM_MASK;
            if (fg[i] != 0) {
                continue;
            }
            int draw = RANDOM[r];
            samples[i * SAMPLES + ((draw >>> 4) & 0xF)] = px[i];
            int x = i % w;
            int nx = x + ((draw >>> 16) & 3) % 3 - 1;
            int ny = i / w + ((draw >>> 18) & 3) % 3 - 1;
            if (nx >= 0 && nx < w && ny >= 0 && ny < h) {
                samples[(ny * w + nx) * SAMPLES + ((draw >>> 12) & 0xF)] = px[i];
            }
        }
        if (counting.countingPixels() > 0 && fgCount > GLOBAL_CHANGE * counting.countingPixels()) {
            learn(img);
            return Result.NONE;
        }
        removeShadows(px, fg);
        majority(fg, counting);
        Result result = regions(mask, px, previous, radius / 2, w, h, counting, minAreaFraction);
        System.arraycopy(px, 0, previous, 0, px.length);
        return result;
    }

    private void learn(GrayImage img) {
        width = img.width();
        height = img.height();
        byte[] px = img.pixels();
        samples = new byte[SAMPLES * px.length];
        mean = new short[px.length];
        foregroundSince = new int[px.length];
        foregroundLast = new int[px.length];
        frames = 0;
        previous = px.clone();
        raw = new byte[px.length];
        mask = new boolean[px.length];
        rowForeground = new int[height];
        for (int i = 0; i < px.length; i++) {
            mean[i] = (short) ((px[i] & 0xff) << 4);
            int x = i % width;
            int y = i / width;
            samples[i * SAMPLES] = px[i];
            for (int k = 1; k < SAMPLES; k++) {
                samples[i * SAMPLES + k] = px[neighbour(x, y)];
            }
        }
    }

    /** Clears, in place, foreground pixels uniformly darker than the background around them: shadows. */
    private void removeShadows(byte[] px, byte[] fg) {
        for (int y = 1; y < height - 1; y++) {
            if (rowForeground[y] == 0) {
                continue;
            }
            for (int x = 1; x < width - 1; x++) {
                int i = y * width + x;
                if (fg[i] == 0) {
                    continue;
                }
                double sum = 0;
                double sumSq = 0;
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int j = i + dy * width + dx;
                        double ratio = ((px[j] & 0xff) + 1) / (mean[j] / 16.0 + 1);
                        sum += ratio;
                        sumSq += ratio * ratio;
                    }
                }
                double avg = sum / 9;
                double var = sumSq / 9 - avg * avg;
                if (avg >= SHADOW_MIN && avg <= SHADOW_MAX && var < 0.0025) {
                    fg[i] = 0; // later pixels' tests read px and mean only, never fg
                }
            }
        }
    }

    /**
     * 3x3 majority vote into {@link #mask} (the frame's edge counts as background); rows far from any foreground
     * are just cleared.
     */
    private void majority(byte[] fg, AnalysisArea counting) {
        int w = width;
        int h = height;
        for (int y = 0; y < h; y++) {
            int base = y * w;
            boolean near = rowForeground[y] > 0 || (y > 0 && rowForeground[y - 1] > 0)
                    || (y < h - 1 && rowForeground[y + 1] > 0);
            if (!near || y == 0 || y == h - 1) {
                java.util.Arrays.fill(mask, base, base + w, false);
                if (near) {
                    edgeRow(fg, counting, y);
                }
                continue;
            }
            int up = base - w;
            int down = base + w;
            mask[base] = edge(fg, counting, 0, y);
            for (int x = 1; x < w - 1; x++) {
                int sum = fg[up + x - 1] + fg[up + x] + fg[up + x + 1]
                        + fg[base + x - 1] + fg[base + x] + fg[base + x + 1]
                        + fg[down + x - 1] + fg[down + x] + fg[down + x + 1];
                mask[base + x] = sum >= 5 && counting.counts(x, y);
            }
            mask[base + w - 1] = edge(fg, counting, w - 1, y);
        }
    }

    private void edgeRow(byte[] fg, AnalysisArea counting, int y) {
        for (int x = 0; x < width; x++) {
            mask[y * width + x] = edge(fg, counting, x, y);
        }
    }

    /** The vote at the frame's edge, where outside pixels count as background. */
    private boolean edge(byte[] fg, AnalysisArea counting, int x, int y) {
        int sum = 0;
        for (int yy = Math.max(0, y - 1); yy <= Math.min(height - 1, y + 1); yy++) {
            for (int xx = Math.max(0, x - 1); xx <= Math.min(width - 1, x + 1); xx++) {
                sum += fg[yy * width + xx];
            }
        }
        return sum >= 5 && counting.counts(x, y);
    }

    /**
     * Groups a foreground mask into regions on a {@value #CELL}-pixel grid (8-connected cells); regions smaller
     * than {@code minAreaFraction} of the frame are dropped, and so are regions where nothing changed since the
     * previous frame (by at least {@code changeThreshold} grey levels; {@code previous} null keeps every region): a
     * removed object or a ghost of one is a change of the scene, not motion, until the model absorbs it.
     */
    static Result regions(boolean[] fg, byte[] px, byte[] previous, int changeThreshold, int w, int h,
            AnalysisArea counting, double minAreaFraction) {
        int cw = (w + CELL - 1) / CELL;
        int ch = (h + CELL - 1) / CELL;
        int[] cellPixels = new int[cw * ch];
        int[] cellChanged = new int[cw * ch];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                if (fg[i]) {
                    cellPixels[(y / CELL) * cw + x / CELL]++;
                    if (previous == null || Math.abs((px[i] & 0xff) - (previous[i] & 0xff)) >= changeThreshold) {
                        cellChanged[(y / CELL) * cw + x / CELL]++;
                    }
                }
            }
        }
        int[] label = new int[cellPixels.length];
        int[] stack = new int[cellPixels.length];
        List<Box> boxes = new ArrayList<>();
        double movingPixels = 0;
        double minPixels = Math.max(CELL * CELL, minAreaFraction * w * h);
        int next = 0;
        for (int start = 0; start < cellPixels.length; start++) {
            if (cellPixels[start] == 0 || label[start] != 0) {
                continue;
            }
            next++;
            int sp = 0;
            stack[sp++] = start;
            label[start] = next;
            int pixels = 0;
            int changedPixels = 0;
            int minX = Integer.MAX_VALUE;
            int minY = Integer.MAX_VALUE;
            int maxX = -1;
            int maxY = -1;
            while (sp > 0) {
                int c = stack[--sp];
                pixels += cellPixels[c];
                changedPixels += cellChanged[c];
                int cx = c % cw;
                int cy = c / cw;
                minX = Math.min(minX, cx);
                maxX = Math.max(maxX, cx);
                minY = Math.min(minY, cy);
                maxY = Math.max(maxY, cy);
                for (int ny = Math.max(0, cy - 1); ny <= Math.min(ch - 1, cy + 1); ny++) {
                    for (int nx = Math.max(0, cx - 1); nx <= Math.min(cw - 1, cx + 1); nx++) {
                        int n = ny * cw + nx;
                        if (cellPixels[n] > 0 && label[n] == 0) {
                            label[n] = next;
                            stack[sp++] = n;
                        }
                    }
                }
            }
            if (pixels >= minPixels && changedPixels >= Math.max(CELL, MOVING_SHARE * pixels)) {
                movingPixels += pixels;
                double x0 = minX * CELL / (double) w;
                double y0 = minY * CELL / (double) h;
                double x1 = Math.min(w, (maxX + 1) * CELL) / (double) w;
                double y1 = Math.min(h, (maxY + 1) * CELL) / (double) h;
                boxes.add(new Box(x0, y0, x1 - x0, y1 - y0));
            }
        }
        double score = counting.countingPixels() == 0 ? 0 : Math.min(1, movingPixels / counting.countingPixels());
        return new Result(score, List.copyOf(boxes), fg);
    }

    private int neighbour(int x, int y) {
        int nx = Math.min(width - 1, Math.max(0, x + next(3) - 1));
        int ny = Math.min(height - 1, Math.max(0, y + next(3) - 1));
        return ny * width + nx;
    }

    /** xorshift64: fast, and seeded so that results are reproducible. */
    private int next(int bound) {
        return (nextBits() >>> 1) % bound;
    }

    private int nextBits() {
        rng ^= rng << 13;
        rng ^= rng >>> 7;
        rng ^= rng << 17;
        return (int) (rng >>> 32);
    }
}
