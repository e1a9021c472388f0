package org.vigil.gateway.cameras;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Zone;

/**
 * What a camera must be before it reaches the registry (design 0018 §2 and §4). Every problem is reported with the
 * field it is in, in JSON-path form ({@code zones[1].polygon}), so a form or a CSV import can point at it; nothing is
 * corrected silently.
 */
public final class CameraRules {

    /** One field's problem. */
    public record Problem(String field, String message) {
    }

    public static final Pattern ID = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?");
    static final Pattern LABEL = Pattern.compile("[a-z][a-z0-9 _-]{0,31}");
    /** Ids that name other resources under {@code /api/cameras/}. */
    static final Set<String> RESERVED_IDS = Set.of("status", "probe");
    static final Set<String> SCHEMES = Set.of("rtsp", "rtsps", "http", "https");
    public static final int MAX_ZONES = 16;
    public static final int MIN_POINTS = 3;
    public static final int MAX_POINTS = 32;
    static final int MAX_LABELS = 32;
    static final int MAX_RETENTION_DAYS = 3650;
    static final int MAX_USB_INDEX = 63;

    private CameraRules() {
    }

    /**
     * The problems of a camera as the API would store it, against the sites cameras may be on. Empty: it may be
     * stored.
     */
    public static List<Problem> check(CameraConfig c, Set<String> knownSites) {
        List<Problem> out = new ArrayList<>();
        if (c.id() == null || !ID.matcher(c.id()).matches()) {
            out.add(new Problem("id", "must be 1 to 64 lower-case letters, digits and '-', starting and ending with a "
                    + "letter or digit"));
        } else if (RESERVED_IDS.contains(c.id())) {
            out.add(new Problem("id", "'" + c.id() + "' is reserved (/api/cameras/" + c.id() + " is another resource)"));
        }
        text(out, "name", c.name(), 1, 100);
        if (c.site() == null || !org.vigil.runtime.sites.SiteId.valid(c.site())) {
            out.add(new Problem("site", "must be 1 to 63 lower-case letters, digits and '-', starting with a letter or digit"));
        } else if (!knownSites.contains(c.site())) {
            out.add(new Problem("site", "unknown site '" + c.site() + "' (known: " + String.join(", ",
                    knownSites.stream().sorted().toList()) + ")"));
        }
        url(out, "url", c.url(), true);
        if (c.subStreamUrl() != null) {
            url(out, "subStreamUrl", c.subStreamUrl(), false);
        }
        if (c.username() != null) {
            text(out, "username", c.username(), 1, 128);
        }
        fraction(out, "sensitivity", c.sensitivity());
        fraction(out, "minObjectArea", c.minObjectArea());
        zones(out, "zones", c.zones());
        zones(out, "masks", c.masks());
        if (c.labels().size() > MAX_LABELS) {
            out.add(new Problem("labels", "at most " + MAX_LABELS + " labels"));
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < c.labels().size(); i++) {
            String l = c.labels().get(i);
            if (l == null || !LABEL.matcher(l).matches()) {
                out.add(new Problem("labels[" + i + "]", "a label is 1 to 32 lower-case letters, digits, ' ', '_' "
                        + "and '-', starting with a letter"));
            } else if (!seen.add(l)) {
                out.add(new Problem("labels[" + i + "]", "'" + l + "' is listed twice"));
            }
        }
        if (c.retentionDays() != null && (c.retentionDays() < 1 || c.retentionDays() > MAX_RETENTION_DAYS)) {
            out.add(new Problem("retentionDays", "must be 1 to " + MAX_RETENTION_DAYS + " days, or empty for the "
                    + "site's policy"));
        }
        return out;
    }

    private static void text(List<Problem> out, String field, String value, int min, int max) {
        if (value == null || value.isBlank()) {
            out.add(new Problem(field, "is required"));
        } else if (value.length() < min || value.length() > max) {
            out.add(new Problem(field, "must be " + min + " to " + max + " characters"));
        } else if (value.chars().anyMatch(Character::isISOControl)) {
            out.add(new Problem(field, "must not hold control characters"));
        }
    }

    private static void fraction(List<Problem> out, String field, double value) {
        if (!(value >= 0 && value <= 1)) { // NaN fails too
            out.add(new Problem(field, "must be from 0 to 1"));
        }
    }

    /**
     * A stream address the API may store: {@code rtsp(s)://} or {@code http(s)://} (MJPEG) with a host and no
     * credentials, {@code test:} (the synthetic camera), or, for a main stream, a USB index. A {@code file:} names a
     * file, which only trusted configuration may ({@code CAMERA_SOURCES}), never a request.
     */
    private static void url(List<Problem> out, String field, String url, boolean main) {
        if (url == null || url.isBlank()) {
            out.add(new Problem(field, "is required"));
            return;
        }
        if (url.length() > 2048 || url.chars().anyMatch(ch -> ch <= ' ' || ch == 0x7f)) {
            out.add(new Problem(field, "must be at most 2048 characters, without spaces or control characters"));
            return;
        }
        if (url.matches("[0-9]{1,2}")) {
            if (!main || Integer.parseInt(url) > MAX_USB_INDEX) {
                out.add(new Problem(field, main ? "a USB camera's index is 0 to " + MAX_USB_INDEX
                        : "a sub-stream is a network stream, not a USB camera"));
            }
            return;
        }
        if (url.startsWith("test:")) {
            return;
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            out.add(new Problem(field, "is not a valid URL: " + CameraConfig.maskCredentials(e.getReason())));
            return;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("file")) {
            out.add(new Problem(field, "a file is not a camera the API may add (file: sources come from "
                    + "CAMERA_SOURCES only)"));
        } else if (!SCHEMES.contains(scheme)) {
            out.add(new Problem(field, "unknown scheme '" + (scheme.isEmpty() ? url : scheme) + "': use rtsp://, "
                    + "rtsps://, http(s):// (MJPEG), test: or a USB index"));
        } else if (uri.getRawUserInfo() != null || !CameraConfig.maskCredentials(url).equals(url)) {
            out.add(new Problem(field, "holds credentials: give them in username and password, never in the URL"));
        } else if (uri.getHost() == null || uri.getHost().isEmpty()) {
            out.add(new Problem(field, "names no host"));
        } else if (uri.getPort() > 65535) {
            out.add(new Problem(field, "names a port beyond 65535"));
        }
    }

    private static void zones(List<Problem> out, String field, List<Zone> zones) {
        if (zones.size() > MAX_ZONES) {
            out.add(new Problem(field, "at most " + MAX_ZONES));
            return;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < zones.size(); i++) {
            String at = field + "[" + i + "]";
            Zone z = zones.get(i);
            if (z == null) {
                out.add(new Problem(at, "is empty"));
                continue;
            }
            if (z.name() == null || z.name().isBlank() || z.name().length() > 64
                    || z.name().chars().anyMatch(Character::isISOControl)) {
                out.add(new Problem(at + ".name", "must be 1 to 64 characters"));
            } else if (!names.add(z.name())) {
                out.add(new Problem(at + ".name", "'" + z.name() + "' is used twice in " + field));
            }
            polygon(out, at + ".polygon", z.polygon());
        }
    }

    /** 3 to 32 points within the picture (0..1), enclosing an area, with no edge crossing or touching another. */
    static void polygon(List<Problem> out, String field, List<Zone.Point> p) {
        if (p.size() < MIN_POINTS || p.size() > MAX_POINTS) {
            out.add(new Problem(field, "must have " + MIN_POINTS + " to " + MAX_POINTS + " points"));
            return;
        }
        for (int i = 0; i < p.size(); i++) {
            Zone.Point q = p.get(i);
            if (q == null || !(q.x() >= 0 && q.x() <= 1 && q.y() >= 0 && q.y() <= 1)) {
                out.add(new Problem(field + "[" + i + "]", "is outside the picture: x and y must be from 0 to 1"));
                return;
            }
        }
        int n = p.size();
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                boolean adjacent = j == i + 1 || (i == 0 && j == n - 1);
                if (adjacent ? overlaps(p, i, j) : touches(p.get(i), p.get((i + 1) % n), p.get(j), p.get((j + 1) % n))) {
                    out.add(new Problem(field, "intersects itself: edge " + (i + 1) + " meets edge " + (j + 1)));
                    return;
                }
            }
        }
        double area2 = 0;
        for (int i = 0; i < p.size(); i++) {
            Zone.Point a = p.get(i);
            Zone.Point b = p.get((i + 1) % p.size());
            area2 += a.x() * b.y() - b.x() * a.y();
        }
        if (Math.abs(area2) < 1e-9) {
            out.add(new Problem(field, "encloses no area"));
        }
    }

    /** Whether two edges that share a point fold back onto each other (collinear and overlapping). */
    private static boolean overlaps(List<Zone.Point> p, int i, int j) {
        int n = p.size();
        Zone.Point a = p.get(i);
        Zone.Point b = p.get((i + 1) % n);
        Zone.Point c = p.get(j);
        Zone.Point d = p.get((j + 1) % n);
        // the shared point, and the far ends of the two edges
        Zone.Point shared = b.equals(c) ? b : a;
        Zone.Point e1 = shared == b ? a : b;
        Zone.Point e2 = shared == b ? d : c;
        if (e1.equals(shared) || e2.equals(shared)) {
            return true; // a repeated point: an edge of no length
        }
        double cross = (e1.x() - shared.x()) * (e2.y() - shared.y()) - (e1.y() - shared.y()) * (e2.x() - shared.x());
        double dot = (e1.x() - shared.x()) * (e2.x() - shared.x()) + (e1.y() - shared.y()) * (e2.y() - shared.y());
        return Math.abs(cross) < 1e-12 && dot > 0;
    }

    /** Whether segments ab and cd share any point (crossing, touching or overlapping). */
    static boolean touches(Zone.Point a, Zone.Point b, Zone.Point c, Zone.Point d) {
        double d1 = orient(c, d, a);
        double d2 = orient(c, d, b);
        double d3 = orient(a, b, c);
        double d4 = orient(a, b, d);
        if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) {
            return true;
        }
        return (d1 == 0 && within(c, d, a)) || (d2 == 0 && within(c, d, b)) || (d3 == 0 && within(a, b, c))
                || (d4 == 0 && within(a, b, d));
    }

    private static double orient(Zone.Point a, Zone.Point b, Zone.Point c) {
        double v = (b.x() - a.x()) * (c.y() - a.y()) - (b.y() - a.y()) * (c.x() - a.x());
        return Math.abs(v) < 1e-12 ? 0 : v;
    }

    /** Whether q, collinear with segment ab, lies on it. */
    private static boolean within(Zone.Point a, Zone.Point b, Zone.Point q) {
        return q.x() >= Math.min(a.x(), b.x()) && q.x() <= Math.max(a.x(), b.x()) && q.y() >= Math.min(a.y(), b.y())
                && q.y() <= Math.max(a.y(), b.y());
    }
}
