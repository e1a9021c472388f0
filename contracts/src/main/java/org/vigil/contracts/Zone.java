package org.vigil.contracts;

import java.util.List;

/**
 * A named polygon in normalised image coordinates (0..1 on both axes, origin top-left), so it survives a change
 * of resolution.
 */
public record Zone(String name, List<Point> polygon) {

    public Zone {
        polygon = polygon == null ? List.of() : List.copyOf(polygon);
    }

    /** A vertex, in normalised coordinates. */
    public record Point(double x, double y) {
    }
}
