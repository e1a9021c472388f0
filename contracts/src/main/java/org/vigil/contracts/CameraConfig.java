package org.vigil.contracts;

import java.time.Instant;
import java.util.List;

/**
 * Desired state of one camera, as kept in the compacted {@link Topics#CAMERAS} topic.
 *
 * <p>{@code url} may carry credentials ({@code rtsp://user:pass@host/...}); anything that logs, displays or
 * republishes it must use {@link #maskedUrl()}. The topic itself must be readable only by capture.
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
        String updatedBy) {

    public static final int VERSION = 1;

    public CameraConfig {
        zones = zones == null ? List.of() : List.copyOf(zones);
        masks = masks == null ? List.of() : List.copyOf(masks);
    }

    /** {@link #url} with any password replaced by {@code ***}: the only form that may be logged or shown. */
    public String maskedUrl() {
        return maskCredentials(url);
    }

    /**
     * Replaces the password of a {@code scheme://user:password@host} URL with {@code ***}. Strings without
     * credentials come back unchanged; {@code null} stays {@code null}.
     */
    public static String maskCredentials(String url) {
        if (url == null) {
            return null;
        }
        int scheme = url.indexOf("://");
        if (scheme < 0) {
            return url;
        }
        int authorityEnd = url.indexOf('/', scheme + 3);
        String authority = authorityEnd < 0 ? url.substring(scheme + 3) : url.substring(scheme + 3, authorityEnd);
        int at = authority.lastIndexOf('@');
        if (at < 0) {
            return url;
        }
        String userInfo = authority.substring(0, at);
        int colon = userInfo.indexOf(':');
        String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
        return url.substring(0, scheme + 3) + user + ":***" + authority.substring(at)
                + (authorityEnd < 0 ? "" : url.substring(authorityEnd));
    }
}
