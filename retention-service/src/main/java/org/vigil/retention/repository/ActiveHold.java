package org.vigil.retention.repository;

/**
 * The one definition, in SQL, of "an active legal hold covers this", used by every deletion path: a hold not released
 * and not expired at {@code now} on the camera, whose range touches [from, to]. Bounds are inclusive, so footage or an
 * event that only touches a hold's edge is kept too.
 */
final class ActiveHold {

    private ActiveHold() {
    }

    /** A boolean SQL expression over the given SQL expressions (columns or parameters). */
    static String covers(String camera, String from, String to, String now) {
        return """
                exists (select 1 from retention.holds h
                        where %1$s = any(h.cameras) and h.released_at is null
                          and (h.expires_at is null or h.expires_at > %4$s)
                          and h.from_ts <= %3$s and h.to_ts >= %2$s)""".formatted(camera, from, to, now);
    }
}
