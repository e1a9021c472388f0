package org.vigil.gateway;

import java.time.Instant;
import java.util.List;

/** A user's saved Live layout (design 0020 §4): its cameras in order, and the grid's columns (0: as many as fit). */
public record Layout(String name, List<String> cameras, int columns, Instant updatedAt) {
}
