package org.vigil.export.service;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.vigil.export.Evidence;
import org.vigil.runtime.media.Mp4StreamCopy;
import org.vigil.runtime.media.Mp4StreamCopy.Timing;

/**
 * The optional convenience copy in a package: one camera's segments joined into a single MP4 that any player opens,
 * by stream copy (the packets are the originals'; nothing is decoded or re-encoded). Timestamps are laid out from each
 * segment's start time and its frame count, so gaps between segments stay gaps. The originals remain the evidence;
 * the manifest covers both.
 */
public final class Mp4Copy {

    private Mp4Copy() {
    }

    /**
     * Writes {@code segments} (one camera, oldest first) to {@code target}.
     *
     * @return the frames written
     */
    public static long write(List<Evidence.Segment> segments, Path target) throws IOException {
        long start = micros(segments.get(0));
        try (Mp4StreamCopy mp4 = new Mp4StreamCopy(target)) {
            for (Evidence.Segment s : segments) {
                long segStart = micros(s) - start;
                long frameMicros = Math.max(1, Duration.between(s.startedAt(), s.endedAt()).toNanos() / 1000
                        / Math.max(1, s.frames()));
                mp4.append(Path.of(s.root()).resolve(s.path()),
                        (n, key) -> new Timing(segStart + n * frameMicros, frameMicros, key));
            }
            mp4.finish();
            return mp4.written();
        }
    }

    private static long micros(Evidence.Segment s) {
        return s.startedAt().toEpochMilli() * 1000;
    }
}
