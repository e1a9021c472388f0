package org.vigil.recorder.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.SegmentClosed;
import org.vigil.contracts.StreamParams;
import org.vigil.runtime.media.RecordingLayout;

/**
 * The recording state of one camera: at most one open segment (see {@link SegmentFiles} for its life). Decides what
 * each packet means, written or dropped (duplicate, recording off, waiting for a key frame), and when to cut.
 *
 * <p>Segments are cut only on key frames: after the target length (the first one after start-up at a fraction of
 * it that depends on the camera, so cameras do not all rotate at once), when the stream parameters change, when the
 * site changes, and at a discontinuity: a reconnection (a new capture session) or packets lost in Kafka (a gap in the
 * sequence).
 */
final class CameraRecording {

    /** What happened to a packet. */
    enum Outcome {
        WRITTEN, DUPLICATE, RECORDING_OFF, WAITING_FOR_KEY_FRAME
    }

    /** The outcome, the segment closed on the way (the packet may have started the next one), and any packets lost. */
    record Result(Outcome outcome, Optional<Closed> closed, long lostBefore) {
    }

    /** A segment that is durable (state 2) and must now be announced, then marked announced. */
    record Closed(SegmentFiles files, SegmentClosed segment) {
    }


    private final String cameraId;
    private final Duration target;
    private final int fallbackFrameRate;
    private Duration nextTarget;
    /** The capture session of the open (or last) segment. */
    private String session;
    /** Per capture session, the last packet handled (written or deliberately skipped): anything up to it is a duplicate. */
    private final Map<String, Long> handled = recent();
    /** Per capture session, the last packet in a durable segment: where {@link #discard()} rolls back to. */
    private final Map<String, Long> durable = recent();
    private long openLastSeq = -1;
    private SegmentWriter writer;
    private FrameIndex index;
    private SegmentFiles files;
    private Path root;
    private String site;
    private StreamParams params;
    private Instant startedAt;
    private Instant lastFrameAt;
    private long firstOffset = -1;

    CameraRecording(String cameraId, Duration target, int fallbackFrameRate) {
        this.cameraId = cameraId;
        this.target = target;
        this.fallbackFrameRate = fallbackFrameRate;
        // stagger: the first segment is cut at 50-100 % of the target, the same for a camera across restarts
        double fraction = 0.5 + 0.5 * (Math.floorMod(cameraId.hashCode(), 1000) / 1000.0);
        this.nextTarget = Duration.ofMillis((long) (target.toMillis() * fraction));
    }

    /** What reached the disk before a restart: packets of that session up to it, if delivered again, are duplicates. */
    void resumeAfter(String captureSession, long seq) {
        handled.merge(captureSession, seq, Math::max);
        durable.merge(captureSession, seq, Math::max);
    }

    private static Map<String, Long> recent() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > 32; // a camera reconnects a few times a day; sessions older than the topic's retention never come back
            }
        };
    }

    /**
     * Takes one packet read at {@code offset}.
     *
     * @param camera the camera's registry entry; recording happens only when it says so
     * @param root   where new segments go (the current recordings root)
     */
    Result accept(MediaPacket p, long offset, CameraConfig camera, Path root) throws IOException {
        Long last = handled.get(p.session());
        if (last != null && p.seq() <= last) {
            return new Result(Outcome.DUPLICATE, Optional.empty(), 0);
        }
        handled.put(p.session(), p.seq());
        if (camera == null || !camera.recording()) {
            return new Result(Outcome.RECORDING_OFF, close(), 0);
        }
        Optional<Closed> closed = Optional.empty();
        long lost = last != null && p.seq() > last + 1 ? p.seq() - last - 1 : 0;
        if (!p.session().equals(session) || lost > 0) {
            closed = close(); // a new capture session, or a hole in the footage: the next segment starts after it
            session = p.session();
        }
        if (writer != null && p.keyFrame() && (p.params().differsFrom(params)
                || !p.wallTime().isBefore(startedAt.plus(nextTarget)) || !camera.site().equals(site)
                || !root.equals(this.root))) {
            Optional<Closed> c = close();
            closed = closed.isPresent() ? closed : c;
        }
        if (writer == null) {
            if (!p.keyFrame()) {
                return new Result(Outcome.WAITING_FOR_KEY_FRAME, closed, lost);
            }
            open(p, camera.site(), root);
            firstOffset = offset;
        } else if (p.keyFrame()) {
            // what is written so far goes to the operating system at every key frame, video before index, so that
            // after a crash the index lists only frames whose bytes are in the file, and ends with a whole GOP
            writer.flush();
            writer.checkIo("writing the segment");
            index.flush();
        }
        writer.write(p.data(), p.keyFrame());
        index.append(p.wallMicros(), p.keyFrame(), p.seq());
        lastFrameAt = p.wallTime();
        openLastSeq = p.seq();
        return new Result(Outcome.WRITTEN, closed, lost);
    }

    private void open(MediaPacket p, String cameraSite, Path newRoot) throws IOException {
        params = p.params();
        site = cameraSite;
        root = newRoot;
        startedAt = p.wallTime();
        Path video = RecordingLayout.segment(root, site, cameraId, startedAt);
        Files.createDirectories(video.getParent());
        files = new SegmentFiles(video);
        Map<String, String> header = new LinkedHashMap<>();
        header.put("camera", cameraId);
        header.put("site", site);
        header.put("session", p.session());
        header.put("codec", params.codec());
        header.put("width", Integer.toString(params.width()));
        header.put("height", Integer.toString(params.height()));
        header.put("rate", Integer.toString(frameRate()));
        SegmentWriter w = new SegmentWriter(files.partialVideo(), params, frameRate());
        try {
            index = new FrameIndex(files.partialIndex(), header);
        } catch (IOException e) {
            w.close();
            Files.deleteIfExists(files.partialVideo());
            throw e;
        }
        writer = w;
    }

    private int frameRate() {
        double fps = params.frameRate();
        return fps >= 1 && fps <= 240 ? (int) Math.round(fps) : fallbackFrameRate;
    }

    /**
     * Finishes the open segment, if any: AVI index written, video and frame index fsynced, video renamed to its final
     * name, directory fsynced (state 2). The caller announces it and then marks it announced.
     */
    Optional<Closed> close() throws IOException {
        if (writer == null) {
            return Optional.empty();
        }
        SegmentWriter w = writer;
        FrameIndex ix = index;
        SegmentFiles f = files;
        writer = null;
        index = null;
        firstOffset = -1;
        nextTarget = target;
        w.finish();
        durable.merge(session, openLastSeq, Math::max);
        ix.close();
        SegmentFiles.fsync(f.partialIndex());
        f.markDurable();
        Instant end = lastFrameAt.plusNanos((long) (1e9 / frameRate()));
        return Optional.of(new Closed(f, new SegmentClosed(SegmentClosed.VERSION, cameraId + "/" + f.video().getFileName(),
                cameraId, site, root.toAbsolutePath().toString(), root.relativize(f.video()).toString(), startedAt, end,
                w.frames(), Files.size(f.video()), sha256(f.video()), params.codec(), params.width(), params.height())));
    }

    /**
     * Drops the open segment's files after a write error (a full disk): its packets were not committed, so Kafka
     * delivers them again once writing can resume. Nothing half-written keeps a final name.
     */
    void discard() {
        if (writer != null) {
            writer.close();
            writer = null;
            try {
                index.close();
            } catch (IOException e) {
                // the file goes anyway
            }
            index = null;
            try {
                Files.deleteIfExists(files.partialVideo());
                Files.deleteIfExists(files.partialIndex());
            } catch (IOException e) {
                // left for the start-up reconcile, which recovers or quarantines it
            }
            // the packets of the discarded segment come again: accept them
            handled.clear();
            handled.putAll(durable);
            session = null;
            firstOffset = -1;
        }
    }

    /** Abandons the open segment as it is (the service is dying): the start-up reconcile deals with it. */
    void abandon() {
        if (writer != null) {
            writer.close();
            writer = null;
            try {
                index.flush();
                index.close();
            } catch (IOException e) {
                // best effort
            }
            index = null;
        }
    }

    String cameraId() {
        return cameraId;
    }

    /** Offset of the first packet in the open segment, or -1 when none is open. */
    long firstOffset() {
        return firstOffset;
    }

    boolean open() {
        return writer != null;
    }

    Instant startedAt() {
        return writer == null ? null : startedAt;
    }

    long bytesInOpenSegment() {
        try {
            return writer == null ? 0 : Files.size(files.partialVideo());
        } catch (IOException e) {
            return 0;
        }
    }

    long framesInOpenSegment() {
        return writer == null ? 0 : writer.frames();
    }

    static String sha256(Path file) throws IOException {
        try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance(
                "SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
