package org.vigil.events.messaging;

import java.util.UUID;

import org.vigil.contracts.CameraStatus;
import org.vigil.contracts.Detections;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.NodeHeartbeat;
import org.vigil.contracts.SegmentClosed;

/**
 * What a message must hold to be stored: JSON that parses is not enough (a missing key field would fail the insert
 * and stall the partition). A message that fails here goes to the dead-letter topic with the message of the exception.
 */
final class Validation {

    private Validation() {
    }

    static void check(Object o) {
        if (o instanceof MotionEvent e) {
            uuid(e.eventId(), "eventId");
            required(e.cameraId(), "cameraId");
            required(e.site(), "site");
            required(e.phase(), "phase");
            required(e.startedAt(), "startedAt");
            required(e.at(), "at");
        } else if (o instanceof CameraStatus s) {
            required(s.cameraId(), "cameraId");
            required(s.site(), "site");
            required(s.state(), "state");
            required(s.at(), "at");
        } else if (o instanceof SegmentClosed g) {
            required(g.segmentId(), "segmentId");
            required(g.cameraId(), "cameraId");
            required(g.site(), "site");
            required(g.root(), "root");
            required(g.path(), "path");
            required(g.startedAt(), "startedAt");
            required(g.endedAt(), "endedAt");
            required(g.sha256(), "sha256");
            required(g.codec(), "codec");
        } else if (o instanceof Detections d) {
            required(d.cameraId(), "cameraId");
            required(d.site(), "site");
            required(d.at(), "at");
            required(d.detector(), "detector");
            if (d.eventId() != null) {
                uuid(d.eventId(), "eventId");
            }
        } else if (o instanceof NodeHeartbeat h) {
            required(h.site(), "site");
            if (!org.vigil.runtime.sites.SiteId.valid(h.site())) {
                throw new IllegalArgumentException("site '" + h.site() + "' is not a site id (lower-case letters, "
                        + "digits and '-')");
            }
            required(h.node(), "node");
            required(h.at(), "at");
            if (h.storageTotalBytes() < 0 || h.storageFreeBytes() < 0 || h.camerasRecording() < 0) {
                throw new IllegalArgumentException("negative storage or camera count");
            }
            if (!NodeHeartbeat.RECORDER.equals(h.role()) && !NodeHeartbeat.CAPTURE.equals(h.role())) {
                throw new IllegalArgumentException("role '" + h.role() + "' is neither recorder nor capture");
            }
        } else if (o == null) {
            throw new IllegalArgumentException("empty message");
        }
    }

    /** The site a checked message is about. */
    static String site(Object o) {
        if (o instanceof MotionEvent e) {
            return e.site();
        } else if (o instanceof CameraStatus s) {
            return s.site();
        } else if (o instanceof SegmentClosed g) {
            return g.site();
        } else if (o instanceof Detections d) {
            return d.site();
        }
        throw new IllegalArgumentException("no site in " + o.getClass().getSimpleName());
    }

    /** The camera a checked message is about. */
    static String camera(Object o) {
        if (o instanceof MotionEvent e) {
            return e.cameraId();
        } else if (o instanceof CameraStatus s) {
            return s.cameraId();
        } else if (o instanceof SegmentClosed g) {
            return g.cameraId();
        } else if (o instanceof Detections d) {
            return d.cameraId();
        }
        throw new IllegalArgumentException("no camera in " + o.getClass().getSimpleName());
    }

    private static void required(Object v, String field) {
        if (v == null || (v instanceof String s && s.isBlank())) {
            throw new IllegalArgumentException("missing " + field);
        }
    }

    private static void uuid(String v, String field) {
        required(v, field);
        try {
            UUID.fromString(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + " is not a UUID: " + v);
        }
    }
}
