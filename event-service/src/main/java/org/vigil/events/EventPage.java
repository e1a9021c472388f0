package org.vigil.events;

import java.util.List;

/**
 * One page of events, newest first. {@code next} is the cursor of the following page (pass it as {@code cursor}), or
 * {@code null} on the last page.
 */
public record EventPage(List<StoredMotionEvent> items, String next) {
}
