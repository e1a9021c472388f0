package org.vigil.recorder.service;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import org.vigil.contracts.StorageSettings;
import org.vigil.recorder.config.RecorderConfig;
import org.vigil.recorder.messaging.Registry;

/**
 * Where segments go: RECORDINGS_DIR until an admin sets another directory through the storage API; the directories
 * used before stay known (their segments are not moved, and playback still finds them). Also the free-space floor and
 * the disk figures the dashboard shows.
 */
@ApplicationScoped
public class Storage {

    private static final Logger LOG = Logger.getLogger(Storage.class);

    /** Directories that are never a recordings root, nor anything below them. */
    private static final List<Path> SYSTEM_TREES = List.of("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64",
            "/libx32", "/proc", "/run", "/sbin", "/sys", "/usr", "/var/lib", "/var/log", "/var/run", "/var/cache")
            .stream().map(Path::of).toList();
    /** Directories that are too broad to be a recordings root themselves (below them is fine). */
    private static final List<Path> SYSTEM_DIRS = List.of("/", "/home", "/root", "/tmp", "/var", "/mnt", "/media",
            "/opt", "/srv").stream().map(Path::of).toList();

    /** The settings in force. */
    public record Current(Path root, List<Path> former, long minFreeBytes, StorageSettings setBy) {
        /** Every directory that may hold segments: the current one first. */
        public List<Path> roots() {
            List<Path> all = new ArrayList<>();
            all.add(root);
            former.stream().filter(p -> !p.equals(root)).forEach(all::add);
            return all;
        }
    }

    /** Disk figures of the current root. */
    public record Disk(long totalBytes, long freeBytes) {
    }

    private volatile Current current;

    private final org.vigil.recorder.playback.PlaybackCache cache;

    public Storage(RecorderConfig config, Registry registry, org.vigil.recorder.playback.PlaybackCache cache) {
        this.cache = cache;
        Path root = config.recordingsDir().toAbsolutePath().normalize();
        current = new Current(root, List.of(), config.minFree().asLongValue(), null);
        registry.onStorage(this::apply);
    }

    public Current current() {
        return current;
    }

    /** Takes settings read from Kafka (every recorder follows the same ones). */
    public void apply(StorageSettings s) {
        Current before = current;
        Set<Path> former = new LinkedHashSet<>();
        s.formerDirs().forEach(d -> former.add(Path.of(d).toAbsolutePath().normalize()));
        Path root = Path.of(s.recordingsDir()).toAbsolutePath().normalize();
        former.remove(root);
        Current next = new Current(root, List.copyOf(former), s.minFreeBytes(), s);
        current = next;
        if (!root.equals(before.root()) || s.minFreeBytes() != before.minFreeBytes()) {
            LOG.infof("recordings directory %s, free-space floor %d bytes (set by %s)", root, s.minFreeBytes(),
                    s.updatedBy());
        }
    }

    /**
     * The settings that would result from an admin's request, or why it is refused.
     *
     * @return the error message, or empty when the directory can be used
     */
    public static Optional<String> validate(String dir) {
        if (dir == null || dir.isBlank()) {
            return Optional.of("recordingsDir is required");
        }
        Path p = Path.of(dir);
        if (!p.isAbsolute()) {
            return Optional.of("recordingsDir must be an absolute path");
        }
        Path n = p.normalize();
        if (SYSTEM_DIRS.contains(n)) {
            return Optional.of(n + " is a system directory; use a directory below it");
        }
        for (Path t : SYSTEM_TREES) {
            if (n.equals(t)) {
                return Optional.of(n + " is a system directory");
            }
            if (n.startsWith(t)) {
                return Optional.of(n + " is inside the system directory " + t);
            }
        }
        if (!Files.exists(n)) {
            return Optional.of(n + " does not exist");
        }
        if (!Files.isDirectory(n)) {
            return Optional.of(n + " is not a directory");
        }
        try {
            Path real = n.toRealPath();
            for (Path t : SYSTEM_TREES) {
                if (real.startsWith(t)) {
                    return Optional.of(n + " resolves to " + real + ", inside the system directory " + t);
                }
            }
            if (SYSTEM_DIRS.contains(real)) {
                return Optional.of(n + " resolves to the system directory " + real);
            }
        } catch (IOException e) {
            return Optional.of("cannot resolve " + n + ": " + e.getMessage());
        }
        try {
            Path probe = Files.createTempFile(n, ".vigil-probe-", ".tmp");
            try {
                Files.write(probe, new byte[4096]);
                SegmentFiles.fsync(probe);
            } finally {
                Files.deleteIfExists(probe);
            }
        } catch (IOException e) {
            return Optional.of(n + " is not writable by the recorder: " + e.getMessage());
        }
        return Optional.empty();
    }

    /** The new settings, the current directory moving to the front of the former ones. */
    public StorageSettings next(String dir, Long minFreeBytes, String actor, java.time.Instant now) {
        Current c = current;
        Path root = Path.of(dir).toAbsolutePath().normalize();
        List<String> former = new ArrayList<>();
        if (!c.root().equals(root)) {
            former.add(c.root().toString());
        }
        c.former().stream().filter(p -> !p.equals(root)).map(Path::toString).filter(s -> !former.contains(s))
                .forEach(former::add);
        return new StorageSettings(StorageSettings.VERSION, root.toString(), former,
                minFreeBytes == null ? c.minFreeBytes() : minFreeBytes, now, actor);
    }

    /**
     * Total and usable bytes of the volume holding the current root (usable: what this process may still write). The
     * playback cache's bytes count as usable when it shares the volume: it lives inside the floor's reserve (see
     * {@link org.vigil.recorder.playback.PlaybackCache}), so viewings never pause recording.
     */
    public Disk disk() throws IOException {
        Path root = current.root();
        Disk d = diskOf(root);
        return cache.sharesVolumeWith(root) ? new Disk(d.totalBytes(), d.freeBytes() + cache.bytes()) : d;
    }

    /** Total and usable bytes of the volume holding {@code dir} (or its nearest existing parent). */
    public static Disk diskOf(Path dir) throws IOException {
        Path p = dir;
        while (p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            p = p.getParent();
        }
        FileStore store = Files.getFileStore(p == null ? Path.of("/") : p);
        return new Disk(store.getTotalSpace(), store.getUsableSpace());
    }
}
