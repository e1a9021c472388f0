package org.vigil.contracts;

import java.time.Instant;

/**
 * A recording segment that is complete and durable on disk (written under a temporary name, fsynced, renamed).
 *
 * @param segmentId  stable id: {@code <cameraId>/<file name>}, so a republished segment is recognisable
 * @param path       path relative to the recordings root the recorder writes to
 * @param root       absolute recordings root at the time of writing (roots can change at run time)
 * @param startedAt  wall-clock time of the first frame
 * @param endedAt    wall-clock time just after the last frame (its time plus one frame duration)
 * @param frames     number of video frames in the file
 * @param bytes      file size
 * @param sha256     hex SHA-256 of the whole file
 */
public record SegmentClosed(
        int v,
        String segmentId,
        String cameraId,
        String site,
        String root,
        String path,
        Instant startedAt,
        Instant endedAt,
        long frames,
        long bytes,
        String sha256,
        String codec,
        int width,
        int height) {

    public static final int VERSION = 1;
}
