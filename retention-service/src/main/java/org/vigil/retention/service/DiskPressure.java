package org.vigil.retention.service;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.vigil.contracts.Alert;
import org.vigil.retention.config.RetentionConfig;
import org.vigil.retention.messaging.AlertPublisher;
import org.vigil.retention.repository.PruneRepository;

/**
 * Watches free space on the recordings volume against the low-disk threshold, expressed as hours of headroom: how long
 * the space above the recorders' floor lasts at the current recording rate (the higher of the last hour's and the
 * last day's average). Below the threshold, or when free space is already near the floor, it frees space by deleting
 * the oldest unheld recordings. When only held (or nothing) is left to delete, it raises an alert: recorders then
 * pause at their floor rather than anything held being deleted.
 */
@ApplicationScoped
public class DiskPressure {

    private static final Logger LOG = Logger.getLogger(DiskPressure.class);

    /**
     * The dashboard's storage figures.
     *
     * @param heldBytes      bytes of recordings under an active legal hold
     * @param onlyHeldLeft   the alert is raised: low, and nothing unheld is left to delete
     * @param headroomHours  hours until free space reaches the floor at {@code bytesPerHour}; null when nothing is
     *                       being recorded
     * @param bytesToFree    what an emergency deletion would free now (0 when not low)
     * @param warning        one sentence when low, else null
     */
    public record Status(long totalBytes, long freeBytes, long floorBytes, Long usedBytes, Long heldBytes,
            long bytesPerHour, Double headroomHours, double thresholdHours, boolean low, long bytesToFree,
            String warning, boolean onlyHeldLeft, Instant checkedAt) {
    }

    private final RetentionConfig config;
    private final InstantSource clock;
    private final StorageRoots roots;
    private final PruneRepository repository;
    private final Pruner pruner;
    private final AlertPublisher alerts;
    private final String source;
    /** Summing the index is a scan: the status page and every dashboard refresh share one sum a minute. */
    private static final java.time.Duration USAGE_CACHE = java.time.Duration.ofMinutes(1);

    private volatile boolean alertRaised;
    private volatile PruneRepository.Usage usage;
    private volatile Instant usageAt = Instant.MIN;
    private volatile boolean exhausted;
    private ScheduledExecutorService schedule;
    /** The last check's figures and backlog, for the metrics (a scrape never touches the disk or the database). */
    private volatile Status latest;
    private volatile PruneReport.Deleted backlog = PruneReport.Deleted.NONE;

    public DiskPressure(RetentionConfig config, StorageRoots roots, PruneRepository repository, Pruner pruner,
            AlertPublisher alerts, MeterRegistry metrics, InstantSource clock) {
        this.clock = clock;
        gauge(metrics, "vigil_retention_free_bytes", d -> d.latest == null ? Double.NaN : d.latest.freeBytes());
        gauge(metrics, "vigil_retention_floor_bytes", d -> d.latest == null ? Double.NaN : d.latest.floorBytes());
        gauge(metrics, "vigil_retention_bytes_per_hour", d -> d.latest == null ? Double.NaN : d.latest.bytesPerHour());
        // +Inf while nothing is being recorded: the space never runs out at a rate of zero
        gauge(metrics, "vigil_retention_headroom_hours", d -> d.latest == null ? Double.NaN
                : d.latest.headroomHours() == null ? Double.POSITIVE_INFINITY : d.latest.headroomHours());
        gauge(metrics, "vigil_retention_headroom_threshold_hours", d -> d.config.minHeadroomHours());
        gauge(metrics, "vigil_retention_low_disk", d -> d.latest != null && d.latest.low() ? 1 : 0);
        gauge(metrics, "vigil_retention_only_held_left", d -> d.alertRaised ? 1 : 0);
        gauge(metrics, "vigil_retention_backlog_segments", d -> d.backlog.segments());
        gauge(metrics, "vigil_retention_backlog_bytes", d -> d.backlog.bytes());
        this.config = config;
        this.roots = roots;
        this.repository = repository;
        this.pruner = pruner;
        this.alerts = alerts;
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown";
        }
        this.source = "retention-service@" + host;
    }

    private void gauge(MeterRegistry metrics, String name, java.util.function.ToDoubleFunction<DiskPressure> value) {
        Gauge.builder(name, this, value).strongReference(true).register(metrics);
    }

    void start(@Observes StartupEvent e) {
        if (config.diskCheck().isZero()) {
            return;
        }
        schedule = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "retention-disk"));
        schedule.scheduleWithFixedDelay(() -> {
            try {
                check();
            } catch (RuntimeException | IOException ex) {
                LOG.errorf("disk check failed: %s", ex.getMessage());
            }
        }, 10, config.diskCheck().toSeconds(), TimeUnit.SECONDS);
    }

    void stop(@Observes ShutdownEvent e) {
        if (schedule != null) {
            schedule.shutdownNow();
        }
    }

    /**
     * The figures now; {@code withUsage} adds bytes used and held, summed from the index at most once a minute (so
     * up to a minute old).
     */
    public Status status(boolean withUsage) throws IOException {
        Instant now = clock.instant();
        Path root = roots.current();
        Path p = root;
        while (p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            p = p.getParent();
        }
        FileStore store = Files.getFileStore(p == null ? Path.of("/") : p);
        long total = store.getTotalSpace();
        long free = store.getUsableSpace() + playbackCacheBytes(store);
        long floor = roots.floorBytes();
        PruneRepository.Recent recent = repository.recent(now);
        long rate = Math.max(hourly(recent, now), recent.lastDayBytes() / 24);
        return status(total, free, floor, rate, config.minHeadroomHours(), withUsage ? usage(now) : null, alertRaised,
                now);
    }

    /**
     * What a new recordings directory or free-space floor would make the low-disk path delete now: the oldest unheld
     * recordings until free space on {@code dir}'s volume is back above the floor plus the headroom threshold. The
     * recorder shows this to the admin before such a change is made.
     */
    public record FloorPreview(long segments, long bytes, Instant oldest, Instant newest, long bytesToFree,
            long freeBytes, long totalBytes, long floorBytes) {
    }

    public FloorPreview preview(Path dir, long floorBytes) throws IOException {
        Instant now = clock.instant();
        Path p = dir;
        while (p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            p = p.getParent();
        }
        FileStore store = Files.getFileStore(p == null ? Path.of("/") : p);
        PruneRepository.Recent recent = repository.recent(now);
        long rate = Math.max(hourly(recent, now), recent.lastDayBytes() / 24);
        Status s = status(store.getTotalSpace(), store.getUsableSpace() + playbackCacheBytes(store), floorBytes, rate,
                config.minHeadroomHours(), null, false, now);
        PruneReport.Deleted d = s.bytesToFree() > 0 ? PruneReport.Deleted.of(repository.oldestUnheldSummary(s.bytesToFree(), now))
                : PruneReport.Deleted.NONE;
        return new FloorPreview(d.segments(), d.bytes(), d.oldest(), d.newest(), s.bytesToFree(), s.freeBytes(),
                s.totalBytes(), floorBytes);
    }

    /** Bytes of the recorders' playback cache when it lies on {@code store} (they count as free: see the config). */
    private long playbackCacheBytes(FileStore store) {
        Optional<Path> dir = config.playbackCacheDir().filter(Files::isDirectory);
        if (dir.isEmpty()) {
            return 0;
        }
        try (java.util.stream.Stream<Path> files = Files.list(dir.get())) {
            if (!Files.getFileStore(dir.get()).equals(store)) {
                return 0;
            }
            return files.filter(f -> f.getFileName().toString().endsWith(".mp4")).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    /** A hold placed or released changes the held bytes: the next status sums again instead of showing the old. */
    void holdsChanged(@Observes Holds.Changed e) {
        usageAt = Instant.MIN;
    }

    private PruneRepository.Usage usage(Instant now) {
        if (usage == null || usageAt.plus(USAGE_CACHE).isBefore(now)) {
            usage = repository.usage(now);
            usageAt = now;
        }
        return usage;
    }

    /**
     * The last hour's bytes per hour: over the time those segments cover, when recording began less than an hour ago
     * (at least a minute, so one early segment does not make a wild rate).
     */
    static long hourly(PruneRepository.Recent recent, Instant now) {
        if (recent.lastHourSince() == null) {
            return 0;
        }
        long seconds = Math.max(60, Math.min(3600, java.time.Duration.between(recent.lastHourSince(), now)
                .toSeconds()));
        return recent.lastHourBytes() * 3600 / seconds;
    }

    /** The figures and the verdict from the measurements (pure, for tests of the arithmetic). */
    static Status status(long total, long free, long floor, long rate, double thresholdHours,
            PruneRepository.Usage usage, boolean onlyHeldLeft, Instant now) {
        Double headroom = rate == 0 ? null : Math.round(Math.max(0, free - floor) * 10.0 / rate) / 10.0;
        // recorders resume at floor + 10%; keep at least that, and the threshold's hours at the current rate
        long minimum = floor + floor / 10 + 1;
        long target = Math.max(minimum, floor + (long) Math.ceil(thresholdHours * rate));
        // ...but never by deleting most of the footage: on a volume too small for the threshold's hours (16 cameras at
        // 4 Mbit/s write 29 GB an hour), the headroom kept free is at most the footage kept, half of what recording
        // may use (free space above the floor and the unheld recordings)
        boolean capped = false;
        if (usage != null) {
            long recordable = Math.max(0, free - floor) + Math.max(0, usage.bytes() - usage.heldBytes());
            long cap = Math.max(minimum, floor + recordable / 2);
            capped = target > cap;
            target = Math.min(target, cap);
        }
        boolean low = free < floor + floor / 10 || (headroom != null && headroom < thresholdHours);
        long toFree = low ? Math.max(0, target - free) : 0;
        String warning = !low ? null : headroom == null
                ? "Free space (" + mb(free) + ") is near the recorders' floor (" + mb(floor) + ")"
                : "Only " + hours(headroom) + " hours of recording space left (threshold " + hours(thresholdHours)
                        + " h)" + (capped ? "; the volume holds less than twice the threshold at this rate, so "
                                + "half of it is kept as footage: size it for the retention period" : "");
        return new Status(total, free, floor, usage == null ? null : usage.bytes(),
                usage == null ? null : usage.heldBytes(), rate, headroom, thresholdHours, low, toFree, warning,
                onlyHeldLeft, now);
    }

    private static String hours(double h) {
        return h < 1e6 ? Double.toString(h) : String.format(java.util.Locale.ROOT, "%.3g", h);
    }

    private static String mb(long bytes) {
        return (bytes >> 20) + " MiB";
    }

    /**
     * One check: when low, frees space (oldest unheld first); raises the alert when nothing unheld is left and the
     * disk is still low, clears it when the disk is no longer low. Returns the figures after any deletion.
     */
    public synchronized Status check() throws IOException {
        Status s = status(false);
        if (s.low()) {
            s = status(true); // the recordings' size bounds what low disk may delete (summed at most once a minute)
        }
        if (s.low() && s.bytesToFree() > 0) {
            PruneReport.Emergency e = pruner.freeSpace(s.bytesToFree(), "system");
            if (e.ran()) {
                exhausted = e.exhausted();
            }
            usageAt = Instant.MIN; // summed again: the old sum would let the next check delete more
            s = status(true);
        }
        latest = s;
        backlog = pruner.overdue();
        if (s.low() && exhausted && !alertRaised) {
            alertRaised = true;
            LOG.errorf("%s, and everything left is under legal hold: recorders will pause at their floor rather than "
                    + "delete held footage", s.warning());
            alerts.send(alert(Alert.State.RAISED, s.warning() + ". Only footage under legal hold is left to delete: "
                    + "recording pauses at the floor rather than delete it. Free space, or release holds.", s));
        } else if (!s.low() && alertRaised) {
            alertRaised = false;
            exhausted = false;
            alerts.send(alert(Alert.State.CLEARED, "Free space on the recordings volume is above the threshold again",
                    s));
        }
        return s;
    }

    /** Whether the alert that only held footage is left is raised now. */
    public boolean alertRaised() {
        return alertRaised;
    }

    private Alert alert(Alert.State state, String message, Status s) {
        return new Alert(Alert.VERSION, UUID.randomUUID().toString(), Alert.DISK_FULL_OF_KEPT, state, source, null,
                message, clock.instant(), Map.of("freeBytes", Long.toString(s.freeBytes()), "floorBytes",
                        Long.toString(s.floorBytes()), "bytesPerHour", Long.toString(s.bytesPerHour()),
                        "thresholdHours", Double.toString(s.thresholdHours())));
    }
}
