package org.vigil.recorder.playback;


import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import org.vigil.recorder.config.RecorderConfig;
import org.vigil.recorder.service.FrameIndex;
import org.vigil.recorder.service.SegmentFiles;
import org.vigil.recorder.service.Storage;
import org.vigil.runtime.media.Mp4StreamCopy;
import org.vigil.runtime.media.Mp4StreamCopy.Timing;
import org.vigil.runtime.media.RecordingLayout;

/**
 * Browser playback: the frames of a camera in a time range as one MP4, copied from the AVI segments (never decoded),
 * with presentation times taken from the segments' frame indexes, so the MP4's clock is the true capture clock.
 * It starts at the key frame at or before the start (a player needs one) and splices consecutive segments while the
 * stream parameters stay the same. Finished files are cached for repeated HTTP Range requests.
 */
@ApplicationScoped
public class Playback {

    private static final Logger LOG = Logger.getLogger(Playback.class);

    /** A rendered range. {@code start}: the capture time of its first frame (the key frame before the asked start). */
    public record Rendered(Path file, Instant start, Instant end, long frames, boolean cutShort) {
    }

    /** A render that is not done: too many at once (503), too many of one user's (429), or too large (413). */
    public static final class Refused extends RuntimeException {
        public final int status;

        Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private record Segment(Path video, FrameIndex.Contents index) {
        String paramsKey() {
            return index.header().get("codec") + " " + index.header().get("width") + "x" + index.header().get("height");
        }
    }

    private final Storage storage;
    private final Path cacheDir;
    private final RecorderConfig config;
    /** The longest a segment can span: segments starting earlier than this before a range cannot reach into it. */
    private final java.time.Duration span;
    /** Renders under way, by cache key: a second request for the same range waits for the first one's. */
    private final ConcurrentHashMap<String, java.util.concurrent.CompletableFuture<Rendered>> inFlight =
            new ConcurrentHashMap<>();
    private final PlaybackCache cache;
    /** Renders running at once, all users together ({@code playback-renders}). */
    private final java.util.concurrent.Semaphore renders;
    /** Renders running per user: at most {@value #PER_USER_RENDERS} each. */
    private final ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> userRenders =
            new ConcurrentHashMap<>();
    static final int PER_USER_RENDERS = 2;

    public Playback(Storage storage, RecorderConfig config, PlaybackCache cache) {
        this.storage = storage;
        this.config = config;
        this.cache = cache;
        this.renders = new java.util.concurrent.Semaphore(Math.max(1, config.playbackRenders()));
        java.time.Duration twice = config.segmentLength().multipliedBy(2);
        this.span = twice.compareTo(java.time.Duration.ofHours(1)) > 0 ? twice : java.time.Duration.ofHours(1);
        this.cacheDir = cache.dir();
    }

    /**
     * The MP4 of {@code camera} from {@code from} (inclusive) to {@code to} (exclusive), or empty when no recorded frame
     * falls in the range.
     */
    public Optional<Rendered> render(String camera, Instant from, Instant to, String user) throws IOException {
        cache.evictIdle(Instant.now().minus(config.playbackCacheIdle()));
        List<Segment> segments = segments(camera, from, to);
        if (segments.isEmpty()) {
            return Optional.empty();
        }
        String key = cacheKey(camera, from, to, segments);
        Path file = cacheDir.resolve(key + ".mp4");
        if (Files.exists(file)) { // a Range request of a viewing already rendered: no render slot needed
            cache.touched(file);
            return Optional.of(remux(segments, from, to, file));
        }
        Storage.Current where = storage.current();
        long estimate = estimate(segments, micros(from), micros(to));
        long max = cache.maxRender(where.root(), where.minFreeBytes());
        if (estimate > max) {
            throw new Refused(413, "this range needs about " + (estimate >> 20) + " MiB of playback cache, more than "
                    + "the " + (max >> 20) + " MiB one render may take; ask for a shorter range");
        }
        java.util.concurrent.CompletableFuture<Rendered> mineFuture = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<Rendered> running = inFlight.putIfAbsent(key, mineFuture);
        if (running != null) { // the same range is being rendered for someone: wait for it, take no render slot
            try {
                return Optional.of(running.get(config.playbackMaxRange().toSeconds() + 60,
                        java.util.concurrent.TimeUnit.SECONDS));
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof Refused r) {
                    throw r;
                }
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
                throw new Refused(503, "the recorder is still preparing this recording; try again in a moment");
            }
        }
        java.util.concurrent.atomic.AtomicInteger mine = userRenders.computeIfAbsent(user,
                u -> new java.util.concurrent.atomic.AtomicInteger());
        try {
            if (mine.incrementAndGet() > PER_USER_RENDERS) {
                throw new Refused(429, "you have " + PER_USER_RENDERS + " recordings being prepared already; wait for "
                        + "them");
            }
            if (!renders.tryAcquire()) {
                throw new Refused(503, "the recorder is preparing other recordings; try again in a moment");
            }
            try {
                Rendered r = remux(segments, from, to, file);
                cache.added(r.file(), user, where.root(), where.minFreeBytes());
                mineFuture.complete(r);
                return Optional.of(r);
            } finally {
                renders.release();
            }
        } catch (IOException | RuntimeException e) {
            mineFuture.completeExceptionally(e);
            throw e;
        } finally {
            mine.decrementAndGet();
            inFlight.remove(key, mineFuture);
        }
    }

    /** About how many bytes the MP4 of [from, to) takes: each segment's file size in proportion to its frames used. */
    private static long estimate(List<Segment> segments, long from, long to) {
        long sum = 0;
        for (Segment s : segments) {
            List<FrameIndex.Frame> fr = s.index().frames();
            long used = fr.stream().filter(f -> f.wallMicros() >= from && f.wallMicros() < to).count();
            try {
                sum += Files.size(s.video()) * used / Math.max(1, fr.size());
            } catch (IOException e) {
                // a segment gone meanwhile adds nothing
            }
        }
        return sum;
    }

    /** Segments of the camera with a frame in [from, to), in time order, from every recordings root. */
    private List<Segment> segments(String camera, Instant from, Instant to) throws IOException {
        List<String> days = new ArrayList<>();
        for (Instant d = from.minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.DAYS); !d.isAfter(to);
                d = d.plus(1, ChronoUnit.DAYS)) {
            days.add(RecordingLayout.day(d));
        }
        long fromMicros = micros(from);
        long toMicros = micros(to);
        List<Segment> out = new ArrayList<>();
        for (Path root : storage.current().roots()) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (DirectoryStream<Path> sites = Files.newDirectoryStream(root, Files::isDirectory)) {
                for (Path site : sites) {
                    if (site.getFileName().toString().startsWith(".")) {
                        continue; // .quarantine
                    }
                    for (String day : days) {
                        Path dir = site.resolve(camera).resolve(day);
                        if (!Files.isDirectory(dir)) {
                            continue;
                        }
                        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, RecordingLayout.SEGMENT_GLOB)) {
                            for (Path video : files) {
                                Instant named = RecordingLayout.parse(video.getFileName().toString()).map(RecordingLayout.Named::start)
                                        .orElse(null);
                                if (named != null && (!named.isBefore(to) || named.isBefore(from.minus(span)))) {
                                    continue; // cannot hold a frame of the range: its index is not read
                                }
                                SegmentFiles f = new SegmentFiles(video);
                                Path idx = Files.exists(f.index()) ? f.index() : f.partialIndex();
                                if (!Files.exists(idx)) {
                                    continue;
                                }
                                FrameIndex.Contents c = FrameIndex.read(idx);
                                if (c.frames().isEmpty()) {
                                    continue;
                                }
                                long first = c.frames().get(0).wallMicros();
                                long last = c.frames().get(c.frames().size() - 1).wallMicros();
                                if (first < toMicros) {
                                    out.add(new Segment(video, c));
                                }
                            }
                        }
                    }
                }
            }
        }
        out.sort((a, b) -> Long.compare(a.index().frames().get(0).wallMicros(),
                b.index().frames().get(0).wallMicros()));
        // keep from the last segment starting at or before `from` (its key frames may be needed) onwards
        int startAt = 0;
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).index().frames().get(0).wallMicros() <= fromMicros) {
                startAt = i;
            }
        }
        List<Segment> kept = new ArrayList<>();
        for (Segment s : out.subList(startAt, out.size())) {
            List<FrameIndex.Frame> fr = s.index().frames();
            if (fr.get(fr.size() - 1).wallMicros() >= fromMicros || s == out.get(startAt)) {
                kept.add(s);
            }
        }
        // nothing at all in the range: no playback
        boolean any = kept.stream().anyMatch(s -> s.index().frames().stream()
                .anyMatch(f -> f.wallMicros() >= fromMicros && f.wallMicros() < toMicros));
        return any ? kept : List.of();
    }

    private Rendered remux(List<Segment> segments, Instant from, Instant to, Path target) throws IOException {
        if (Files.exists(target)) {
            Files.setLastModifiedTime(target, FileTime.from(Instant.now()));
            return describe(target, segments, from, to);
        }
        Files.createDirectories(cacheDir);
        Path tmp = Files.createTempFile(cacheDir, ".render-", ".mp4",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Rendered r = write(segments, micros(from), micros(to), tmp);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new Rendered(target, r.start(), r.end(), r.frames(), r.cutShort());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The same figures as {@link #write} for a cached file, from the indexes. */
    private Rendered describe(Path file, List<Segment> segments, Instant from, Instant to) {
        Plan p = plan(segments, micros(from), micros(to));
        return new Rendered(file, instant(p.startMicros), instant(p.endMicros), p.frames, p.cutShort);
    }

    /** Which frames go in: from the key frame at or before {@code from}, while the parameters stay the same. */
    private static final class Plan {
        int firstSegment;
        int firstFrame;
        long startMicros;
        long endMicros;
        long frames;
        boolean cutShort;
        int lastSegment;
    }

    private static Plan plan(List<Segment> segments, long from, long to) {
        Plan p = new Plan();
        // the start: the last key frame at or before `from`, or the first frame if the recording starts later
        p.firstSegment = 0;
        p.firstFrame = 0;
        outer:
        for (int s = 0; s < segments.size(); s++) {
            List<FrameIndex.Frame> fr = segments.get(s).index().frames();
            for (int i = 0; i < fr.size(); i++) {
                if (fr.get(i).wallMicros() > from) {
                    break outer;
                }
                if (fr.get(i).keyFrame()) {
                    p.firstSegment = s;
                    p.firstFrame = i;
                }
            }
        }
        String params = segments.get(p.firstSegment).paramsKey();
        p.startMicros = segments.get(p.firstSegment).index().frames().get(p.firstFrame).wallMicros();
        p.lastSegment = p.firstSegment;
        long lastWall = p.startMicros;
        for (int s = p.firstSegment; s < segments.size(); s++) {
            Segment seg = segments.get(s);
            if (!seg.paramsKey().equals(params)) {
                p.cutShort = true;
                break;
            }
            List<FrameIndex.Frame> fr = seg.index().frames();
            boolean done = false;
            for (int i = s == p.firstSegment ? p.firstFrame : 0; i < fr.size(); i++) {
                if (fr.get(i).wallMicros() >= to) {
                    done = true;
                    break;
                }
                p.frames++;
                lastWall = fr.get(i).wallMicros();
                p.lastSegment = s;
            }
            if (done) {
                break;
            }
        }
        p.endMicros = lastWall + frameMicros(segments.get(p.lastSegment));
        return p;
    }

    private static long frameMicros(Segment s) {
        int rate = Integer.parseInt(s.index().header().getOrDefault("rate", "15"));
        return 1_000_000L / Math.max(1, rate);
    }

    private Rendered write(List<Segment> segments, long from, long to, Path file) throws IOException {
        Plan plan = plan(segments, from, to);
        long written = 0;
        try (Mp4StreamCopy mp4 = new Mp4StreamCopy(file)) {
            for (int s = plan.firstSegment; s <= plan.lastSegment; s++) {
                Segment seg = segments.get(s);
                List<FrameIndex.Frame> frames = seg.index().frames();
                int first = s == plan.firstSegment ? plan.firstFrame : 0;
                long left = plan.frames - mp4.written();
                mp4.append(seg.video(), (n, key) -> {
                    if (n < first) {
                        return Mp4StreamCopy.SKIP;
                    }
                    if (n >= frames.size() || frames.get(n).wallMicros() >= to || n - first >= left) {
                        return Mp4StreamCopy.STOP;
                    }
                    long wall = frames.get(n).wallMicros();
                    long next = n + 1 < frames.size() ? frames.get(n + 1).wallMicros() : wall + frameMicros(seg);
                    return new Timing(wall - plan.startMicros, next - wall, frames.get(n).keyFrame());
                });
            }
            mp4.finish();
            written = mp4.written();
        }
        if (written != plan.frames) {
            LOG.warnf("playback: %d frames written of %d indexed (a segment is shorter than its index)", written,
                    plan.frames);
        }
        return new Rendered(file, instant(plan.startMicros), instant(plan.endMicros), written, plan.cutShort);
    }

    private String cacheKey(String camera, Instant from, Instant to, List<Segment> segments) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((camera + "|" + from + "|" + to).getBytes(StandardCharsets.UTF_8));
            for (Segment s : segments) {
                md.update(("|" + s.video() + ":" + s.index().frames().size()).getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(Arrays.copyOf(md.digest(), 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long micros(Instant t) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }

    private static Instant instant(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }
}
