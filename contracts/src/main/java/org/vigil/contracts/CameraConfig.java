package org.vigil.contracts;

import java.time.Instant;
import java.util.List;

/**
 * Desired state of one camera, as kept in the compacted {@link Topics#CAMERAS} topic.
 *
 * <p>Cameras added through the camera API carry no credentials in their URLs: {@code username} and a sealed password
 * are fields of their own (design 0018). A URL from {@code CAMERA_SOURCES} may still carry them
 * ({@code rtsp://user:pass@host/...}), so anything that logs, displays or republishes a URL must use
 * {@link #maskedUrl()}. The topic is readable by Vigil's services only.
 *
 * <p>The fields from {@code enabled} on were added within version 1: a record written before them reads with their
 * defaults (enabled, no credentials, no minimum object size, every label, the site's retention).
 *
 * @param v            schema version, {@link #VERSION}
 * @param id           stable camera id: lower-case letters, digits and '-', at most 64 characters
 * @param name         display name
 * @param site         the site the camera belongs to; access control is per site
 * @param url          main stream: {@code rtsp://}, {@code http(s)://} (MJPEG), {@code file:}, {@code test:} or a USB index
 * @param subStreamUrl optional lower-resolution stream used for analysis only; {@code null} analyses the main stream
 * @param recording    whether the recorder writes this camera's packets to disk
 * @param sensitivity  motion sensitivity, 0 (least) to 1 (most)
 * @param zones        regions where motion counts; empty means the whole frame
 * @param masks        regions always ignored (timestamps burned into the image, trees, roads)
 * @param updatedAt    when this desired state was written
 * @param updatedBy    who wrote it (a user name or {@code capture:CAMERA_SOURCES})
 * @param enabled      whether the camera is captured at all; a disabled camera keeps its settings and footage
 * @param username     the user name the camera is opened with, or {@code null}
 * @param passwordSealed the camera's password sealed for capture (AES-256-GCM, design 0018 §3), or {@code null}
 * @param minObjectArea the smallest moving region that counts, as a fraction of the frame (0: any)
 * @param labels       the detector's classes that count for this camera; empty means every class
 * @param retentionDays days this camera's footage is kept, or {@code null} for its site's policy
 */
public record CameraConfig(
        int v,
        String id,
        String name,
        String site,
        String url,
        String subStreamUrl,
        boolean recording,
        double sensitivity,
        List<Zone> zones,
        List<Zone> masks,
        Instant updatedAt,
        String updatedBy,
        Boolean enabled,
        String username,
        String passwordSealed,
        Double minObjectArea,
        List<String> labels,
        Integer retentionDays) {

    public static final int VERSION = 1;

    public CameraConfig {
        zones = zones == null ? List.of() : List.copyOf(zones);
        masks = masks == null ? List.of() : List.copyOf(masks);
        enabled = enabled == null ? Boolean.TRUE : enabled;
        minObjectArea = minObjectArea == null ? 0.0 : minObjectArea;
        labels = labels == null ? List.of() : List.copyOf(labels);
    }

    /** A camera with the defaults of the fields added within version 1: enabled, no credentials, every label. */
    public CameraConfig(int v, String id, String name, String site, String url, String subStreamUrl, boolean recording,
            double sensitivity, List<Zone> zones, List<Zone> masks, Instant updatedAt, String updatedBy) {
        this(v, id, name, site, url, subStreamUrl, recording, sensitivity, zones, masks, updatedAt, updatedBy, true,
                null, null, 0.0, List.of(), null);
    }

    /** {@link #url} with any password replaced by {@code ***}: the only form that may be logged or shown. */
    public String maskedUrl() {
        return maskCredentials(url);
    }

    /** Query parameters whose values are secrets, masked wherever a URL is shown (compared without case). */
    private static final java.util.regex.Pattern SECRET_PARAM = java.util.regex.Pattern.compile(
            "(?i)([?&;](?:password|passwd|pass|pwd|secret|token|api_?key|auth)=)[^&;#]*");

    /**
     * Replaces the password of a {@code scheme://user:password@host} URL, and the value of any secret query parameter
     * ({@code password=}, {@code pwd=}, {@code token=}…), with {@code ***}. A password holding an unencoded {@code /}
     * (which some cameras' setup pages allow) is masked too. Strings without credentials come back unchanged;
     * {@code null} stays {@code null}.
     */
    public static String maskCredentials(String url) {
        if (url == null) {
            return null;
        }
        int scheme = url.indexOf("://");
        if (scheme < 0) {
            return url;
        }
        int start = scheme + 3;
        int queryAt = indexOfAny(url, start, '?', '#');
        String beforeQuery = url.substring(0, queryAt);
        int authorityEnd = beforeQuery.indexOf('/', start);
        String authority = authorityEnd < 0 ? beforeQuery.substring(start) : beforeQuery.substring(start, authorityEnd);
        int at = authority.lastIndexOf('@');
        String masked;
        int colon = authority.indexOf(':');
        if (at >= 0) {
            masked = withUser(url, start, authority.substring(0, at), start + at);
        } else if (colon >= 0 && !authority.substring(colon + 1).matches("[0-9]*")) {
            // "user:pa/ss@host/…": not a host and port before the first '/', so a password with a slash in it
            int slashedAt = beforeQuery.indexOf('@', start + colon);
            masked = slashedAt < 0 ? url : withUser(url, start, url.substring(start, slashedAt), slashedAt);
        } else {
            masked = url;
        }
        return SECRET_PARAM.matcher(masked).replaceAll("$1***");
    }

    /** {@code url} with {@code userInfo} (from {@code start} to {@code at}) replaced by its user and {@code ***}. */
    private static String withUser(String url, int start, String userInfo, int at) {
        int colon = userInfo.indexOf(':');
        String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
        return url.substring(0, start) + user + ":***" + url.substring(at);
    }

    private static int indexOfAny(String s, int from, char a, char b) {
        int i = s.indexOf(a, from);
        int j = s.indexOf(b, from);
        return i < 0 ? (j < 0 ? s.length() : j) : (j < 0 ? i : Math.min(i, j));
    }
}
