package org.vigil.recorder.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.jboss.logging.Logger;
import org.vigil.contracts.SegmentClosed;

/**
 * Puts a recordings root back into a known state after a crash, before any packet is consumed (the invariants are
 * in docs/design/0008-recording-durability-and-time.md):
 * <ul>
 * <li>a segment still being written (state 1) is recovered into a complete segment when its frames can be read, or
 * moved, with its index, to {@code <root>/.quarantine/} with the same relative path; never left, never deleted;</li>
 * <li>a durable segment whose announcement Kafka may not have (state 2) is announced again (the event store ignores
 * a segment it already has);</li>
 * <li>the last seq on disk per camera and capture session is returned, so that packets delivered again are not
 * written twice.</li>
 * </ul>
 */
final class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);
    /** Not a possible site directory: site names never start with a dot (see {@link org.vigil.runtime.media.RecordingLayout#siteDirectory}). */
    static final String QUARANTINE = ".quarantine";

    /** What a reconcile did; {@code lastWritten}: per camera, per capture session, the last packet seq on disk. */
    record Report(int recovered, int quarantined, List<CameraRecording.Closed> toAnnounce,
            Map<String, Map<String, Long>> lastWritten) {
    }

    /** Day directories per camera looked at: a segment being written when the crash came is in one of the newest. */
    static final int RECENT_DAYS = 2;

    private Reconciler() {
    }

    static Report reconcile(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return new Report(0, 0, List.of(), Map.of());
        }
        List<Path> names = new ArrayList<>();
        for (Path day : recentDayDirs(root)) {
            try (Stream<Path> files = Files.list(day)) {
                files.filter(p -> Files.isRegularFile(p) && SegmentFiles.isSegmentFile(p.getFileName().toString()))
                        .forEach(names::add);
            }
        }
        names.sort(null);
        int recovered = 0;
        int quarantined = 0;
        List<CameraRecording.Closed> toAnnounce = new ArrayList<>();
        Map<String, Map<String, Long>> last = new HashMap<>();
        for (Path p : names) {
            String name = p.getFileName().toString();
            SegmentFiles files = SegmentFiles.of(p);
            if (name.endsWith(".avi" + SegmentFiles.PARTIAL)) {
                SegmentRecovery.Outcome o = SegmentRecovery.recover(files);
                if (o.recovered()) {
                    recovered++;
                    LOG.infof("recovered %d frames of %s, interrupted by a crash", o.frames(), root.relativize(
                            files.video()));
                } else {
                    quarantine(root, files);
                    quarantined++;
                    LOG.errorf("moved %s to %s: %s", root.relativize(files.partialVideo()), QUARANTINE, o.reason());
                    continue;
                }
            } else if (name.endsWith(".avi" + SegmentFiles.INDEX + SegmentFiles.PARTIAL)) {
                if (!Files.exists(files.video()) && !Files.exists(files.partialVideo())) {
                    quarantine(root, files); // an index without its video: kept for an operator, out of the way
                    quarantined++;
                    LOG.errorf("moved %s to %s: its video is missing", root.relativize(p), QUARANTINE);
                }
                continue; // handled with its video
            } else if (!name.endsWith(".avi")) {
                continue;
            }
            if (Files.exists(files.video()) && Files.exists(files.partialIndex())) {
                toAnnounce.add(new CameraRecording.Closed(files, describe(root, files, files.partialIndex())));
            }
            Path idx = Files.exists(files.index()) ? files.index() : files.partialIndex();
            if (Files.exists(files.video()) && Files.exists(idx)) {
                FrameIndex.Contents c = FrameIndex.read(idx);
                if (!c.frames().isEmpty() && c.camera() != null && c.session() != null) {
                    last.computeIfAbsent(c.camera(), k -> new HashMap<>()).merge(c.session(),
                            c.frames().get(c.frames().size() - 1).seq(), Math::max);
                }
            }
        }
        return new Report(recovered, quarantined, List.copyOf(toAnnounce), last);
    }

    /**
     * {@code <root>/<site>/<camera>/<day>}: the newest {@link #RECENT_DAYS} of each camera. Hidden directories are the
     * recorder's own, never a site ({@link #QUARANTINE}, the audit spool {@code .audit-spool}): not looked into.
     */
    private static List<Path> recentDayDirs(Path root) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path site : dirs(root)) {
            if (site.getFileName().toString().startsWith(".")) {
                continue;
            }
            for (Path camera : dirs(site)) {
                List<Path> days = dirs(camera);
                days.sort(java.util.Comparator.comparing((Path d) -> d.getFileName().toString()).reversed());
                out.addAll(days.subList(0, Math.min(RECENT_DAYS, days.size())));
            }
        }
        return out;
    }

    private static List<Path> dirs(Path p) throws IOException {
        try (Stream<Path> s = Files.list(p)) {
            return new ArrayList<>(s.filter(Files::isDirectory).toList());
        }
    }

    /** The announcement of a durable segment, rebuilt from its files. */
    static SegmentClosed describe(Path root, SegmentFiles files, Path index) throws IOException {
        FrameIndex.Contents c = FrameIndex.read(index);
        if (c.frames().isEmpty()) {
            throw new IOException(index + " lists no frame");
        }
        int rate = Integer.parseInt(c.header().getOrDefault("rate", "15"));
        Instant start = Instant.EPOCH.plus(c.frames().get(0).wallMicros(), ChronoUnit.MICROS);
        Instant end = Instant.EPOCH.plus(c.frames().get(c.frames().size() - 1).wallMicros(), ChronoUnit.MICROS)
                .plusNanos((long) (1e9 / rate));
        return new SegmentClosed(SegmentClosed.VERSION, c.camera() + "/" + files.video().getFileName(), c.camera(),
                c.header().get("site"), root.toAbsolutePath().toString(), root.relativize(files.video()).toString(),
                start, end, c.frames().size(), Files.size(files.video()), CameraRecording.sha256(files.video()),
                c.header().get("codec"), Integer.parseInt(c.header().get("width")),
                Integer.parseInt(c.header().get("height")));
    }

    private static void quarantine(Path root, SegmentFiles files) throws IOException {
        for (Path p : List.of(files.partialVideo(), files.partialIndex())) {
            if (Files.exists(p)) {
                Path target = root.resolve(QUARANTINE).resolve(root.relativize(p));
                Files.createDirectories(target.getParent());
                Files.move(p, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
