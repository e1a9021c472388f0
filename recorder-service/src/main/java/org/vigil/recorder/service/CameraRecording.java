package org.vigil.recorder.service;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Optional;

import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.SegmentClosed;
import org.vigil.contracts.StreamParams;

/**
 * The recording state of one camera: at most one open segment, written under a temporary name. Decides what each
 * packet means: written, or dropped (duplicate, recording off, waiting for a key frame), and when to cut.
 *
 * <p>Segments are cut only on key frames: after the target length, when the stream parameters change, and when
 * the camera reconnected (a new capture session is a discontinuity).
 */
final class CameraRecording {

    /** What happened to a packet. */
    enum Outcome {
        WRITTEN, DUPLICATE, RECORDING_OFF, WAITING_FOR_KEY_FRAME
    }

    /** The outcome, and the segment closed on the way (the packet may have started the next one). */
    record Result(Outcome outcome, Optional<SegmentClosed> closed) {
    }

    static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
    static final String PARTIAL_SUFFIX = ".partial";

    private final String cameraId;
    private final Path root;
    private final Duration target;
    private final int fallbackFrameRate;
    private String session;
    private long lastSeq = -1;
    private SegmentWriter writer;
    private Path finalPath;
    private String site;
    private StreamParams params;
    private Instant startedAt;
    private Instant lastFrameAt;
    private long firstOffset = -1;

    CameraRecording(String cameraId, Path root, Duration target, int fallbackFrameRate) {
        this.cameraId = cameraId;
        this.root = root;
        this.target = target;
        this.fallbackFrameRate = fallbackFrameRate;
    }

    /**
     * Takes one packet read at {@code offset}.
     *
     * @param camera the camera's registry entry; recording happens only when it says so
     */
    Result accept(MediaPacket p, long offset, CameraConfig camera) throws IOException {
        if (camera == null || !camera.recording()) {
            return new Result(Outcome.RECORDING_OFF, close());
        }
        Optional<SegmentClosed> closed = Optional.empty();
        if (p.session().equals(session) && p.seq() <= lastSeq) {
            return new Result(Outcome.DUPLICATE, closed);
        }
        if (!p.session().equals(session)) {
            closed = close();
            session = p.session();
        }
        lastSeq = p.seq();
        if (writer != null && p.keyFrame()
                && (p.params().differsFrom(params) || !p.wallTime().isBefore(startedAt.plus(target))
                        || !camera.site().equals(site))) {
            Optional<SegmentClosed> c = close();
            closed = closed.isPresent() ? closed : c;
        }
        if (writer == null) {
            if (!p.keyFrame()) {
                return new Result(Outcome.WAITING_FOR_KEY_FRAME, closed);
            }
            open(p, camera.site());
            firstOffset = offset;
        }
        writer.write(p.data(), p.keyFrame());
        lastFrameAt = p.wallTime();
        return new Result(Outcome.WRITTEN, closed);
    }

    private void open(MediaPacket p, String cameraSite) throws IOException {
        params = p.params();
        site = cameraSite;
        startedAt = p.wallTime();
        Path dir = root.resolve(safe(site)).resolve(cameraId).resolve(DAY.format(startedAt));
        Files.createDirectories(dir);
        finalPath = dir.resolve("recording_" + cameraId + "_" + FILE_TIME.format(startedAt) + ".avi");
        writer = new SegmentWriter(dir.resolve(finalPath.getFileName() + PARTIAL_SUFFIX), params, frameRate());
    }

    private int frameRate() {
        double fps = params.frameRate();
        return fps >= 1 && fps <= 240 ? (int) Math.round(fps) : fallbackFrameRate;
    }

    /**
     * Finishes the open segment, if any: index written, fsynced, renamed to its final name, directory fsynced.
     *
     * @return the closed segment, to be published before its packets' offsets are committed
     */
    Optional<SegmentClosed> close() throws IOException {
        if (writer == null) {
            return Optional.empty();
        }
        SegmentWriter w = writer;
        writer = null;
        firstOffset = -1;
        w.finish();
        Path partial = w.file();
        Files.move(partial, finalPath, StandardCopyOption.ATOMIC_MOVE);
        fsyncDirectory(finalPath.getParent());
        long frames = w.frames();
        Instant end = lastFrameAt.plusNanos((long) (1e9 / frameRate()));
        return Optional.of(new SegmentClosed(SegmentClosed.VERSION, cameraId + "/" + finalPath.getFileName(), cameraId,
                site, root.toAbsolutePath().toString(), root.relativize(finalPath).toString(), startedAt, end, frames,
                Files.size(finalPath), sha256(finalPath), params.codec(), params.width(), params.height()));
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

    Instant lastFrameAt() {
        return lastFrameAt;
    }

    Instant startedAt() {
        return writer == null ? null : startedAt;
    }

    long framesInOpenSegment() {
        return writer == null ? 0 : writer.frames();
    }

    /** Abandons the open segment (the service is dying); the partial file stays for the start-up reconcile. */
    void abandon() {
        if (writer != null) {
            writer.close();
            writer = null;
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            DigestInputStream d = (DigestInputStream) in;
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(d.getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** A site name as a single path element. */
    static String safe(String site) {
        String s = site.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.isEmpty() || s.startsWith(".") ? "_" + s : s;
    }
}
