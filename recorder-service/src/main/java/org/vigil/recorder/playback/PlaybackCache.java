package org.vigil.recorder.playback;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import org.vigil.recorder.config.RecorderConfig;

/**
 * The playback cache's books: which rendered MP4s exist, how big, and for whom. Bounded three ways:
 * <ul>
 * <li>in total ({@code vigil.recorder.playback-cache-max}); and when the cache shares a volume with the recordings,
 * never more than half the recorders' free-space floor: the cache then lives inside the floor's reserve, and its
 * bytes count as free for the recorders' floor and for retention's low-disk check (PLAYBACK_CACHE_DIR, shared), so
 * no series of viewings can pause recording or make retention delete footage;</li>
 * <li>per user ({@code playback-cache-per-user}): a user's renders beyond it push out that user's oldest;</li>
 * <li>per render: a range whose estimate exceeds what the cache may hold is refused before any work.</li>
 * </ul>
 * The cache starts empty: files left by an earlier run are deleted at start.
 */
@ApplicationScoped
public class PlaybackCache {

    private static final Logger LOG = Logger.getLogger(PlaybackCache.class);

    private record Entry(Path file, String user, long bytes) {
    }

    private final Path dir;
    private final long configuredMax;
    private final long perUser;
    /** Files by name, oldest use first. */
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
    private final AtomicLong bytes = new AtomicLong();

    @jakarta.inject.Inject
    public PlaybackCache(RecorderConfig config, MeterRegistry metrics) {
        this(config.playbackCacheDir().orElse(Path.of(System.getProperty("java.io.tmpdir"), "vigil-playback")),
                config.playbackCacheMax().asLongValue(), config.playbackCachePerUser().asLongValue());
        Gauge.builder("vigil_recorder_playback_cache_bytes", bytes, AtomicLong::get)
                .description("bytes of rendered playback MP4s held").strongReference(true).register(metrics);
    }

    PlaybackCache(Path dir, long max, long perUser) {
        this.dir = dir.toAbsolutePath().normalize();
        this.configuredMax = max;
        this.perUser = perUser;
        clear();
    }

    public Path dir() {
        return dir;
    }

    /** Bytes held now (counted as free space when the cache shares the recordings volume). */
    public long bytes() {
        return bytes.get();
    }

    /** Whether the cache lives on the volume holding {@code recordings} (asked every second: remembered). */
    public boolean sharesVolumeWith(Path recordings) {
        return sameVolume.computeIfAbsent(recordings, r -> {
            try {
                return store(dir).equals(store(r));
            } catch (IOException e) {
                return false;
            }
        });
    }

    private final java.util.concurrent.ConcurrentHashMap<Path, Boolean> sameVolume =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The most the cache may hold: the configured cap, and half the floor when it shares the recordings volume. */
    public long max(Path recordings, long floorBytes) {
        return sharesVolumeWith(recordings) ? Math.min(configuredMax, floorBytes / 2) : configuredMax;
    }

    /** The largest single render allowed: what the cache may hold, and one user's share. */
    public long maxRender(Path recordings, long floorBytes) {
        return Math.min(max(recordings, floorBytes), perUser);
    }

    /** A cached file was used again. */
    public synchronized void touched(Path file) {
        entries.get(file.getFileName().toString());
    }

    /**
     * A render finished: books it, then deletes what the caps no longer allow (that user's oldest first, then
     * anyone's oldest), never the new file itself.
     */
    public synchronized void added(Path file, String user, Path recordings, long floorBytes) throws IOException {
        long size = Files.size(file);
        Entry old = entries.put(file.getFileName().toString(), new Entry(file, user, size));
        bytes.addAndGet(size - (old == null ? 0 : old.bytes()));
        long userBytes = entries.values().stream().filter(e -> e.user().equals(user)).mapToLong(Entry::bytes).sum();
        for (Entry e : new ArrayList<>(entries.values())) {
            if (userBytes <= perUser) {
                break;
            }
            if (e.user().equals(user) && !e.file().equals(file)) {
                remove(e);
                userBytes -= e.bytes();
            }
        }
        long max = max(recordings, floorBytes);
        for (Entry e : new ArrayList<>(entries.values())) {
            if (bytes.get() <= max) {
                break;
            }
            if (!e.file().equals(file)) {
                remove(e);
            }
        }
    }

    /** Deletes files unused since {@code cutoff}. */
    public synchronized void evictIdle(Instant cutoff) {
        for (Entry e : new ArrayList<>(entries.values())) {
            try {
                if (!Files.exists(e.file()) || Files.getLastModifiedTime(e.file()).toInstant().isBefore(cutoff)) {
                    remove(e);
                }
            } catch (IOException ex) {
                remove(e);
            }
        }
    }

    private void remove(Entry e) {
        entries.remove(e.file().getFileName().toString());
        bytes.addAndGet(-e.bytes());
        try {
            Files.deleteIfExists(e.file());
        } catch (IOException ex) {
            LOG.debugf("playback cache: %s not deleted: %s", e.file(), ex.getMessage());
        }
    }

    private void clear() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> left = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.mp4")) {
            files.forEach(left::add);
        } catch (IOException e) {
            LOG.warnf("playback cache %s not readable: %s", dir, e.getMessage());
        }
        left.sort(Comparator.naturalOrder());
        for (Path f : left) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                LOG.debugf("playback cache: %s not deleted: %s", f, e.getMessage());
            }
        }
    }

    private static FileStore store(Path p) throws IOException {
        Path q = p;
        while (q != null && !Files.exists(q)) {
            q = q.getParent();
        }
        return Files.getFileStore(q == null ? Path.of("/") : q);
    }

    /** For the books of one user (tests). */
    synchronized Map<String, Long> byUser() {
        Map<String, Long> out = new LinkedHashMap<>();
        entries.values().forEach(e -> out.merge(e.user(), e.bytes(), Long::sum));
        return out;
    }
}
