package org.vigil.runtime.media;

import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a recording lives and what it is called, in one place for the recorder that writes, the playback that reads
 * and retention that reconciles:
 *
 * <pre>{@code <recordings root>/<site>/<camera>/<yyyy-MM-dd UTC>/recording_<camera>_<yyyyMMdd'T'HHmmss.SSS'Z'>.avi}</pre>
 *
 * The start time in the name is the segment's first frame, in UTC. A segment's frame index sits beside it with
 * {@link #INDEX} appended; files still being written carry {@link #PARTIAL} as well.
 */
public final class RecordingLayout {

    /** Appended to a segment's file name for its frame index. */
    public static final String INDEX = ".idx";
    /** Appended to a file's name while it is written (not yet complete and fsynced). */
    public static final String PARTIAL = ".partial";
    /** A glob for the complete segments in a day directory. */
    public static final String SEGMENT_GLOB = "recording_*.avi";

    private static final String PREFIX = "recording_";
    private static final String SUFFIX = ".avi";
    private static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
    private static final Pattern NAME = Pattern.compile("recording_(.+)_(\\d{8}T\\d{6}\\.\\d{3}Z)\\.avi");

    private RecordingLayout() {
    }

    /** A segment's name and start time, read back from its file name. */
    public record Named(String camera, Instant start) {
    }

    /** The file of the segment of {@code camera} at {@code site} whose first frame is at {@code start}. */
    public static Path segment(Path root, String site, String camera, Instant start) {
        return dayDirectory(root, site, camera, start).resolve(fileName(camera, start));
    }

    /** The directory that holds a camera's segments that start on the UTC day of {@code t}. */
    public static Path dayDirectory(Path root, String site, String camera, Instant t) {
        return root.resolve(siteDirectory(site)).resolve(camera).resolve(day(t));
    }

    /** The day directory's name for {@code t}: {@code yyyy-MM-dd}, UTC. */
    public static String day(Instant t) {
        return DAY.format(t);
    }

    public static String fileName(String camera, Instant start) {
        return PREFIX + camera + "_" + NAME_TIME.format(start) + SUFFIX;
    }

    /** The camera and start of a complete segment's file name; empty for any other name. */
    public static Optional<Named> parse(String fileName) {
        Matcher m = NAME.matcher(fileName);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Named(m.group(1), Instant.from(NAME_TIME.parse(m.group(2)))));
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code name} is one of a segment's files, in any state (video or index, partial or final). */
    public static boolean isSegmentFile(String name) {
        return name.startsWith(PREFIX) && (name.endsWith(SUFFIX) || name.endsWith(SUFFIX + PARTIAL)
                || name.endsWith(SUFFIX + INDEX) || name.endsWith(SUFFIX + INDEX + PARTIAL));
    }

    /** Whether {@code name} is a complete segment's video (not its index, not partial). */
    public static boolean isVideo(String name) {
        return name.endsWith(SUFFIX);
    }

    /**
     * A site's directory name: the site id with anything but letters, digits, dot, dash and underscore replaced, never
     * hidden (directories starting with a dot, like {@code .quarantine}, are the recorder's own).
     */
    public static String siteDirectory(String site) {
        String s = site.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.isEmpty() || s.startsWith(".") ? "_" + s : s;
    }
}
