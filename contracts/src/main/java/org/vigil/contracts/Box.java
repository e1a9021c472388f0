package org.vigil.contracts;

/** An axis-aligned box in normalised image coordinates (0..1, origin top-left). */
public record Box(double x, double y, double w, double h) {
}
