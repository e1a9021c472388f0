package org.vigil.gateway.cameras;

import java.time.Instant;
import java.util.List;

import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Zone;

/**
 * A camera as an admin gives it to the API (a form, a JSON body or a CSV row). Absent fields take their defaults:
 * enabled, recording, sensitivity 0.5, no minimum object size, the whole frame, every label, the site's retention.
 * The URLs carry no credentials: {@code username} and {@code password} stand apart, and the password is write-only:
 * it is sealed before anything stores it, and no answer, log line or audit entry holds it ({@link #toString()} masks
 * it). On a change, an absent password keeps the camera's, an empty one removes it.
 */
public record CameraInput(String id, String name, String site, String url, String subStreamUrl, String username,
        String password, Boolean enabled, Boolean recording, Double sensitivity, Double minObjectArea, List<Zone> zones,
        List<Zone> masks, List<String> labels, Integer retentionDays) {

    public static final double DEFAULT_SENSITIVITY = 0.5;

    /** The registry record this input makes, written now by {@code user}; empty strings count as absent. */
    public CameraConfig toConfig(Instant now, String user) {
        return new CameraConfig(CameraConfig.VERSION, id, name == null ? null : name.strip(), site, url,
                blankToNull(subStreamUrl), recording == null || recording,
                sensitivity == null ? DEFAULT_SENSITIVITY : sensitivity, zones, masks, now, user,
                enabled == null || enabled, blankToNull(username), null,
                minObjectArea == null ? 0.0 : minObjectArea, labels, retentionDays);
    }

    @Override
    public String toString() {
        return "CameraInput[id=" + id + ", site=" + site + ", url=" + CameraConfig.maskCredentials(url) + ", password="
                + (password == null ? "absent" : "***") + "]";
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
