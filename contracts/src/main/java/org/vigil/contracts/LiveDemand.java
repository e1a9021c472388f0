package org.vigil.contracts;

/**
 * Someone watches a camera's live-only stream (design 0023): its sub-stream packets or its JPEG previews, which capture
 * publishes only while such a record says so. Sent to {@link Topics#LIVE_DEMAND}, keyed {@code <camera>/<stream>}, by
 * whatever reads the stream for a viewer (the recorder's live view, a gateway's previews reader), when its first
 * viewer comes and then every {@code lease / 4} while viewers stay; a lease of 0 says the last viewer left.
 *
 * <p>The lease is a duration, not a time of day: capture counts it from when the record reaches it, so a sender whose
 * clock is off (a gateway at central, a site's recorder) cannot make a stream flow for hours or stop at once.
 *
 * @param cameraId    the camera
 * @param stream      {@link #SUBSTREAM} or {@link #PREVIEWS}
 * @param leaseMillis how long from its arrival the stream is wanted, 0 to {@link #MAX_LEASE_MILLIS}; 0 releases it
 * @param by          the sender, e.g. {@code recorder-live}, for the logs
 */
public record LiveDemand(int v, String cameraId, String stream, long leaseMillis, String by) {

    public static final int VERSION = 1;
    public static final String SUBSTREAM = "substream";
    public static final String PREVIEWS = "previews";
    /** The longest lease a record can ask for: a stream nobody releases stops within this. */
    public static final long MAX_LEASE_MILLIS = 60_000;

    /** The record's key: one per camera and stream, so each sender's latest word is the one that counts. */
    public String key() {
        return cameraId + "/" + stream;
    }

    /** Why this record cannot be acted on, or null when it can. */
    public String invalid() {
        if (cameraId == null || !CAMERA_ID.matcher(cameraId).matches()) {
            return "camera id is not 1 to 64 of a-z, 0-9 and '-'";
        }
        if (!SUBSTREAM.equals(stream) && !PREVIEWS.equals(stream)) {
            return "stream is neither " + SUBSTREAM + " nor " + PREVIEWS;
        }
        if (leaseMillis < 0 || leaseMillis > MAX_LEASE_MILLIS) {
            return "lease " + leaseMillis + " ms is outside 0 to " + MAX_LEASE_MILLIS;
        }
        if (by == null || !SENDER.matcher(by).matches()) {
            return "sender is not 1 to 64 of a-z, A-Z, 0-9, '-', '_', '.' and '@'";
        }
        return null;
    }

    private static final java.util.regex.Pattern CAMERA_ID = java.util.regex.Pattern.compile("[a-z0-9-]{1,64}");
    private static final java.util.regex.Pattern SENDER = java.util.regex.Pattern.compile("[A-Za-z0-9_.@-]{1,64}");
}
