package org.vigil.recorder.service;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import org.vigil.runtime.media.RecordingLayout;

/**
 * The files of one segment and the three states they pass through; the state is visible from the names alone, so
 * that a restart knows what to do with whatever a crash left:
 * <ol>
 * <li><b>writing</b>: {@code X.partial} and {@code X.idx.partial};</li>
 * <li><b>durable</b>: {@code X} (complete, fsynced, renamed) and {@code X.idx.partial}: maybe not announced yet;</li>
 * <li><b>announced</b>: {@code X} and {@code X.idx}: Kafka has its {@code SegmentClosed}.</li>
 * </ol>
 * where {@code X} is named by {@link RecordingLayout}. A final name is only ever given to a complete, fsynced
 * file, and an index row can only exist for a file in state 2 or 3.
 */
public record SegmentFiles(Path video) {

    public static final String PARTIAL = RecordingLayout.PARTIAL;
    public static final String INDEX = RecordingLayout.INDEX;

    public Path partialVideo() {
        return video.resolveSibling(video.getFileName() + PARTIAL);
    }

    public Path index() {
        return video.resolveSibling(video.getFileName() + INDEX);
    }

    public Path partialIndex() {
        return video.resolveSibling(video.getFileName() + INDEX + PARTIAL);
    }

    /** The segment of a file of any of its names. */
    public static SegmentFiles of(Path anyName) {
        String n = anyName.getFileName().toString();
        if (n.endsWith(PARTIAL)) {
            n = n.substring(0, n.length() - PARTIAL.length());
        }
        if (n.endsWith(INDEX)) {
            n = n.substring(0, n.length() - INDEX.length());
        }
        return new SegmentFiles(anyName.resolveSibling(n));
    }

    /** Whether {@code name} is one of a segment's files. */
    public static boolean isSegmentFile(String name) {
        return RecordingLayout.isSegmentFile(name);
    }

    /** State 1 to 2: the video file gets its final name (it is already complete and fsynced). */
    public void markDurable() throws IOException {
        Files.move(partialVideo(), video, StandardCopyOption.ATOMIC_MOVE);
        fsyncDirectory(video.getParent());
    }

    /** State 2 to 3: Kafka acknowledged the announcement. */
    public void markAnnounced() throws IOException {
        Files.move(partialIndex(), index(), StandardCopyOption.ATOMIC_MOVE);
        fsyncDirectory(video.getParent());
    }

    public static void fsync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
