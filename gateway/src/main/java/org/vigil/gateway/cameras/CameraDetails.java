package org.vigil.gateway.cameras;

import java.time.Instant;
import java.util.List;

import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Zone;

/**
 * A camera as an admin of its site sees it: every setting, its URLs masked (one from {@code CAMERA_SOURCES} may hold
 * credentials), and whether it has a password, never the password.
 */
public record CameraDetails(String id, String name, String site, String url, String subStreamUrl, String username,
        boolean hasPassword, boolean enabled, boolean recording, double sensitivity, double minObjectArea,
        List<Zone> zones, List<Zone> masks, List<String> labels, Integer retentionDays, Instant updatedAt,
        String updatedBy) {

    public static CameraDetails of(CameraConfig c) {
        return new CameraDetails(c.id(), c.name(), c.site(), c.maskedUrl(), CameraConfig.maskCredentials(
                c.subStreamUrl()), c.username(), c.passwordSealed() != null, c.enabled(), c.recording(),
                c.sensitivity(), c.minObjectArea(), c.zones(), c.masks(), c.labels(), c.retentionDays(), c.updatedAt(),
                c.updatedBy());
    }
}
