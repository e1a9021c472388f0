package org.vigil.capture.analysis;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.vigil.contracts.Box;
import org.vigil.contracts.Detections;

/** Geometry shared by the detectors. */
final class Boxes {

    private Boxes() {
    }

    static double iou(Box a, Box b) {
        double w = Math.min(a.x() + a.w(), b.x() + b.w()) - Math.max(a.x(), b.x());
        double h = Math.min(a.y() + a.h(), b.y() + b.h()) - Math.max(a.y(), b.y());
        if (w <= 0 || h <= 0) {
            return 0;
        }
        double inter = w * h;
        return inter / (a.w() * a.h() + b.w() * b.h() - inter);
    }

    /** Keeps the most confident of same-label boxes that overlap by more than half (non-maximum suppression). */
    static List<Detections.Detected> suppressOverlaps(List<Detections.Detected> in) {
        List<Detections.Detected> sorted = new ArrayList<>(in);
        sorted.sort(Comparator.comparingDouble(Detections.Detected::confidence).reversed());
        List<Detections.Detected> kept = new ArrayList<>();
        for (Detections.Detected d : sorted) {
            if (kept.stream().noneMatch(k -> k.label().equals(d.label()) && iou(k.box(), d.box()) > 0.5)) {
                kept.add(d);
            }
        }
        return kept;
    }

    /** The box clipped to the frame (0..1). */
    static Box clip(Box b) {
        double x = Math.max(0, b.x());
        double y = Math.max(0, b.y());
        return new Box(x, y, Math.max(0, Math.min(1, b.x() + b.w()) - x), Math.max(0, Math.min(1, b.y() + b.h()) - y));
    }

    /** Pixel bounds {x0, y0, x1, y1} of the union of {@code regions} widened by a quarter, inside a w x h frame. */
    static int[] widenedUnion(List<Box> regions, int w, int h) {
        double x0 = 1;
        double y0 = 1;
        double x1 = 0;
        double y1 = 0;
        for (Box r : regions) {
            x0 = Math.min(x0, r.x() - r.w() / 4);
            y0 = Math.min(y0, r.y() - r.h() / 4);
            x1 = Math.max(x1, r.x() + r.w() * 1.25);
            y1 = Math.max(y1, r.y() + r.h() * 1.25);
        }
        int px0 = Math.max(0, (int) Math.floor(x0 * w));
        int py0 = Math.max(0, (int) Math.floor(y0 * h));
        return new int[] {px0, py0, Math.min(w, Math.max(px0 + 1, (int) Math.ceil(x1 * w))),
            Math.min(h, Math.max(py0 + 1, (int) Math.ceil(y1 * h)))};
    }
}
