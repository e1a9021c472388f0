package org.vigil.events.sites;

import java.time.Instant;
import java.util.List;

/**
 * A site as central sees it (design 0017).
 *
 * @param state             {@code connected} (a heartbeat of its nodes arrived within the contact timeout),
 *                          {@code disconnected} (none since {@code lastContact}) or {@code unknown} (no node has ever
 *                          been heard of: a site of cameras only, before its first heartbeat)
 * @param mirrored          its nodes reach central through MirrorMaker (a site node); false: this cluster's own
 * @param lastContact       when central last heard of it, by central's clock
 * @param skewMs            central's clock minus the site's, at its worst node: positive when the site is behind;
 *                          {@code null} when unknown
 * @param skewed            {@code |skewMs|} is beyond the limit (5 s): the site's timestamps are not to be trusted
 *                          to the second, and its exports say so
 * @param storageTotalBytes its nodes' recording volumes
 * @param storageFreeBytes  free space on them
 * @param camerasRecording  cameras its nodes are recording now
 * @param nodes             its recorder nodes; a site without nodes of its own is recorded by this cluster's own (single
 *                          box)
 * @param captureNodes      its capture instances heard from within the contact timeout; none while the site is
 *                          connected means its cameras are captured by no one ({@code no_capture_node}, design 0018)
 */
public record SiteStatus(String site, String state, boolean mirrored, Instant lastContact, Long skewMs,
        boolean skewed, long storageTotalBytes, long storageFreeBytes, int camerasRecording, List<Node> nodes,
        List<String> captureNodes) {

    public static final String CONNECTED = "connected";
    public static final String DISCONNECTED = "disconnected";
    public static final String UNKNOWN = "unknown";

    /** One node's latest heartbeat. */
    public record Node(String node, boolean mirrored, Instant lastSeen, Instant lastAt, Long skewMs,
            long storageTotalBytes, long storageFreeBytes, int camerasRecording) {
    }
}
