package org.vigil.capture.analysis;

import java.util.List;

import org.vigil.contracts.Zone;

/**
 * Which pixels of an analysis frame count for motion: inside a zone (or anywhere when there are no zones) and in
 * no mask. Built once per frame size and camera settings.
 */
public final class AnalysisArea {

    private final boolean[] counts;
    private final int width;
    private final int height;
    private final int countingPixels;

    public AnalysisArea(int width, int height, List<Zone> zones, List<Zone> masks) {
        this.width = width;
        this.height = height;
        this.counts = new boolean[width * height];
        int n = 0;
        for (int y = 0; y < height; y++) {
            double ny = (y + 0.5) / height;
            for (int x = 0; x < width; x++) {
                double nx = (x + 0.5) / width;
                boolean in = zones.isEmpty() || zones.stream().anyMatch(z -> contains(z, nx, ny));
                if (in && masks.stream().noneMatch(m -> contains(m, nx, ny))) {
                    counts[y * width + x] = true;
                    n++;
                }
            }
        }
        countingPixels = n;
    }

    public boolean counts(int x, int y) {
        return counts[y * width + x];
    }

    public int countingPixels() {
        return countingPixels;
    }

    public boolean fits(GrayImage img) {
        return img.width() == width && img.height() == height;
    }

    /** Even-odd rule point-in-polygon, normalised coordinates. */
    static boolean contains(Zone zone, double x, double y) {
        List<Zone.Point> p = zone.polygon();
        boolean inside = false;
        for (int i = 0, j = p.size() - 1; i < p.size(); j = i++) {
            double xi = p.get(i).x();
            double yi = p.get(i).y();
            double xj = p.get(j).x();
            double yj = p.get(j).y();
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) {
                inside = !inside;
            }
        }
        return inside;
    }
}
