package org.vigil.contracts;

import java.time.Instant;

/**
 * A site node's sign of life, sent every few seconds by each of its recorders and capture instances: central learns from it that the site is
 * in contact, how far the site's clock is from its own, and how much storage the site has (design 0017). Keyed in
 * {@link Topics#NODE_HEARTBEATS} by {@code node}.
 *
 * @param site              the site this node records for ({@code VIGIL_SITE})
 * @param node              the sending instance, e.g. {@code recorder-service@host}
 * @param at                when it was sent, by the site's clock
 * @param storageTotalBytes size of the node's recordings volume
 * @param storageFreeBytes  free space on it
 * @param camerasRecording  cameras with a segment open now (a recorder), or captured now (a capture instance)
 * @param role              {@link #RECORDER} or {@link #CAPTURE}: what the node does for its site; a record written
 *                          before this field existed is a recorder's. A site whose capture instances have all gone
 *                          silent shows its cameras as having no capture node (design 0018)
 */
public record NodeHeartbeat(
        int v,
        String site,
        String node,
        Instant at,
        long storageTotalBytes,
        long storageFreeBytes,
        int camerasRecording,
        String role) {

    public static final int VERSION = 1;
    public static final String RECORDER = "recorder";
    public static final String CAPTURE = "capture";

    public NodeHeartbeat {
        role = role == null ? RECORDER : role;
    }

    /** A recorder's heartbeat. */
    public NodeHeartbeat(int v, String site, String node, Instant at, long storageTotalBytes, long storageFreeBytes,
            int camerasRecording) {
        this(v, site, node, at, storageTotalBytes, storageFreeBytes, camerasRecording, RECORDER);
    }
}
