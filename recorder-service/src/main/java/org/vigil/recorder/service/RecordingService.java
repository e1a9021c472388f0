package org.vigil.recorder.service;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;
import org.vigil.contracts.Alert;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.MalformedMessageException;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.SegmentClosed;
import org.vigil.recorder.config.RecorderConfig;
import org.vigil.recorder.messaging.RecorderPublisher;
import org.vigil.recorder.messaging.Registry;

/**
 * Routes media packets to each camera's {@link CameraRecording} and decides which consumed offsets may be committed:
 * a packet's offset is committed only once the segment holding it is durable on disk. Until then, a crash means Kafka
 * delivers it again, and the per-session sequence numbers make the redelivery harmless.
 *
 * <p>Called from the media consumer's thread only, except the read-only views for the API and the metrics.
 *
 * <p>Storage trouble pauses everything: below the free-space floor the open segments are closed cleanly; after a
 * write error (a full volume: ENOSPC) they are discarded, since a file that failed a write is not trusted, and their
 * packets are consumed again when writing resumes. Either way {@link #accept} answers {@code false} and the consumer
 * rewinds to {@link #rewind()}.
 */
@ApplicationScoped
public class RecordingService {

    private static final Logger LOG = Logger.getLogger(RecordingService.class);

    /** Whether packets are being written. */
    public enum State {
        STARTING, RUNNING, PAUSED_LOW_DISK, PAUSED_STORAGE_ERROR
    }

    private final RecorderConfig config;
    private final Registry registry;
    private final Storage storage;
    private final RecorderPublisher publisher;
    private final InstantSource clock;
    private final MeterRegistry metrics;
    private final String source;
    private final Map<String, CameraRecording> cameras = new ConcurrentHashMap<>();
    private final Map<String, TopicPartition> cameraPartition = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> nextOffset = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> lastWallMicros = new ConcurrentHashMap<>();
    private final io.micrometer.core.instrument.Timer writeLatency;
    /** When each camera's last packet was taken (this process's clock: replayed footage has old capture times). */
    private final Map<String, Instant> lastPacketAt = new ConcurrentHashMap<>();
    private final Map<String, Deque<SegmentClosed>> recentSegments = new ConcurrentHashMap<>();
    private final Deque<CameraRecording.Closed> unannounced = new ArrayDeque<>();
    private final Map<String, Boolean> warned = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > 1000;
        }
    };
    private final AtomicLong gapPackets = new AtomicLong();
    /** Cameras not in the registry whose packets are held until it has read its topics to the end since. */
    private final Map<String, long[]> unregisteredHeld = new HashMap<>();
    /**
     * Cameras found not registered after that: their packets are dropped until a camera record changes. The newest
     * 1000 (ids under a hostile producer's control must not grow it without bound; one forgotten only costs a hold
     * from the budget).
     */
    private final java.util.Set<String> unregistered = java.util.Collections.newSetFromMap(
            new LinkedHashMap<String, Boolean>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > 1000;
                }
            });
    private long cameraChangesSeen = -1;
    private final HoldBudget holdBudget = new HoldBudget(REGISTRY_HOLDS_MAX, REGISTRY_HOLDS_PER);
    private volatile State state = State.STARTING;
    private volatile String stateReason;
    private Instant nextDiskCheck = Instant.EPOCH;
    private Instant retryAt = Instant.EPOCH;
    private Instant nextAnnounceRetry = Instant.EPOCH;
    private boolean storageErrorRaised;

    public RecordingService(RecorderConfig config, Registry registry, Storage storage, RecorderPublisher publisher,
            InstantSource clock, MeterRegistry metrics) {
        this.config = config;
        this.registry = registry;
        this.storage = storage;
        this.publisher = publisher;
        this.clock = clock;
        this.metrics = metrics;
        this.source = "recorder-service@" + hostName();
        this.writeLatency = io.micrometer.core.instrument.Timer.builder("vigil_recorder_write_seconds")
                .description("Time to write one packet into its segment, including the cut (index, fsync, rename) "
                        + "when the packet starts a new one")
                .publishPercentileHistogram().register(metrics);
        Gauge.builder("vigil_recorder_paused", this, s -> s.state == State.RUNNING ? 0 : 1).strongReference(true)
                .register(metrics);
        Gauge.builder("vigil_recorder_open_segments", cameras, m -> m.values().stream().filter(CameraRecording::open)
                .count()).strongReference(true).register(metrics);
    }

    /**
     * Puts every recordings root back in order after a crash and learns what is already on disk; called once, before
     * the first packet is consumed.
     */
    public void start() {
        int recovered = 0;
        int quarantined = 0;
        for (Path root : storage.current().roots()) {
            try {
                Reconciler.Report r = Reconciler.reconcile(root);
                recovered += r.recovered();
                quarantined += r.quarantined();
                unannounced.addAll(r.toAnnounce());
                r.lastWritten().forEach((camera, sessions) -> sessions.forEach((session, seq) -> recording(camera)
                        .resumeAfter(session, seq)));
            } catch (IOException e) {
                LOG.errorf("cannot reconcile %s: %s", root, e.getMessage());
            }
        }
        metrics.counter("vigil_recorder_recovered_segments_total").increment(recovered);
        metrics.counter("vigil_recorder_quarantined_segments_total").increment(quarantined);
        LOG.infof("recordings reconciled: %d segments recovered, %d quarantined, %d to announce", recovered, quarantined,
                unannounced.size());
        announcePending();
        state = State.RUNNING;
        checkDisk(clock.instant());
    }

    /**
     * Handles one consumed record.
     *
     * @return {@code false} when the record was not taken because writing is paused: the caller rewinds every
     *         partition to {@link #rewind()} (and to the first record it has not handed over) and pauses
     */
    public boolean accept(ConsumerRecord<String, byte[]> r) {
        if (state != State.RUNNING) {
            return false;
        }
        Instant now = clock.instant();
        if (!now.isBefore(nextDiskCheck) && !checkDisk(now)) {
            return false;
        }
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        MediaPacket p;
        try {
            p = MediaPacket.read(r.key(), r.headers(), r.value());
        } catch (MalformedMessageException e) {
            nextOffset.put(tp, r.offset() + 1);
            dropped("malformed");
            warnOnce("malformed:" + r.key(), "dropping malformed media packets (first at %s-%d@%d): %s", r.topic(),
                    r.partition(), r.offset(), e.getMessage());
            return true;
        }
        lastWallMicros.put(tp, p.wallMicros());
        CameraConfig camera = registry.get(p.cameraId());
        if (camera == null && registryMayBeBehind(p.cameraId())) {
            return false; // rewound to this packet; taken or dropped on a later poll
        }
        if (camera == null) {
            nextOffset.put(tp, r.offset() + 1);
            dropped("unknown_camera");
            warnOnce("unknown:" + p.cameraId(), "packets for camera %s, which is not in the registry, are not recorded",
                    p.cameraId());
            return true;
        }
        if (!unregisteredHeld.isEmpty()) {
            unregisteredHeld.remove(p.cameraId());
        }
        cameraPartition.put(p.cameraId(), tp);
        lastPacketAt.put(p.cameraId(), now);
        CameraRecording rec = recording(p.cameraId());
        try {
            long started = System.nanoTime();
            CameraRecording.Result result = rec.accept(p, r.offset(), camera, storage.current().root());
            writeLatency.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
            nextOffset.put(tp, r.offset() + 1);
            result.closed().ifPresent(this::announce);
            if (result.lostBefore() > 0) {
                gapPackets.addAndGet(result.lostBefore());
                metrics.counter("vigil_recorder_gap_packets_total").increment(result.lostBefore());
                LOG.warnf("camera %s: %d packets before seq %d (%s) were never written: deleted from Kafka before this "
                        + "recorder could write them, or dropped as malformed; the footage has a gap", p.cameraId(),
                        result.lostBefore(), p.seq(), p.wallTime());
            }
            metrics.counter("vigil_recorder_packets_total", "outcome", result.outcome().name().toLowerCase()).increment();
            return true;
        } catch (SegmentWriter.Unsupported e) {
            nextOffset.put(tp, r.offset() + 1);
            dropped("unsupported_stream");
            warnOnce("unsupported:" + p.cameraId() + ":" + p.params(), "camera %s: not recorded: %s", p.cameraId(),
                    e.getMessage());
            return true;
        } catch (IOException e) {
            storageError(p.cameraId(), e);
            return false;
        }
    }

    private CameraRecording recording(String cameraId) {
        return cameras.computeIfAbsent(cameraId,
                id -> new CameraRecording(id, config.segmentLength(), config.fallbackFrameRate()));
    }

    private void dropped(String reason) {
        metrics.counter("vigil_recorder_packets_dropped_total", "reason", reason).increment();
    }

    /**
     * Housekeeping between polls: closes segments of cameras that stopped sending or were switched off, retries
     * announcements, watches the free space, and resumes after a pause when it can.
     */
    public void tick() {
        Instant now = clock.instant();
        switch (state) {
            case RUNNING -> {
                if (!now.isBefore(nextDiskCheck)) {
                    checkDisk(now);
                }
            }
            case PAUSED_LOW_DISK -> {
                if (!now.isBefore(nextDiskCheck)) {
                    checkDisk(now);
                }
            }
            case PAUSED_STORAGE_ERROR -> {
                if (!now.isBefore(retryAt)) {
                    LOG.infof("trying to write again after a storage error");
                    state = State.RUNNING;
                    stateReason = null;
                    checkDisk(now);
                }
            }
            default -> {
            }
        }
        if (state == State.RUNNING) {
            Duration idle = config.idleClose().orElse(config.segmentLength().plusSeconds(5));
            for (CameraRecording rec : cameras.values()) {
                if (!rec.open()) {
                    continue;
                }
                CameraConfig cam = registry.get(rec.cameraId());
                boolean off = cam == null || !cam.recording() || !cam.enabled();
                Instant last = lastPacketAt.getOrDefault(rec.cameraId(), now);
                if (off || last.plus(idle).isBefore(now)) {
                    close(rec);
                }
            }
        }
        if (!unannounced.isEmpty() && !now.isBefore(nextAnnounceRetry)) {
            announcePending();
        }
    }

    /**
     * A camera just added reaches the registry and the media topic through two consumers; its first packets can
     * come before its registry record has been read. Such a packet is held (not taken) until the registry has read
     * its topics to the end twice since the camera's first packet, and at least {@link #REGISTRY_HOLD_MIN}; still
     * unknown then (a deleted camera's last packets), the camera's packets are dropped without waiting until a camera
     * record changes. A registry that cannot catch up holds them at most {@link #REGISTRY_HOLD_MAX}. Every camera
     * waits while one is held, so at most {@link #REGISTRY_HOLDS_MAX} holds begin a minute: packets under a stream of
     * unknown ids (a hostile or broken producer) cannot stall the recorder.
     */
    private boolean registryMayBeBehind(String cameraId) {
        long changes = registry.cameraChanges();
        if (changes != cameraChangesSeen) {
            cameraChangesSeen = changes;
            unregistered.clear();
        }
        if (unregistered.contains(cameraId)) {
            return false;
        }
        long now = System.nanoTime();
        long[] since = unregisteredHeld.get(cameraId);
        if (since == null) {
            if (!holdBudget.tryBegin(now)) {
                // packets under many unknown ids: each would stall every camera for seconds; these are dropped
                unregistered.add(cameraId);
                return false;
            }
            since = new long[] {registry.readToEnd(), now};
            unregisteredHeld.put(cameraId, since);
            metrics.counter("vigil_recorder_registry_waits_total").increment();
        }
        long waited = now - since[1];
        if (waited < REGISTRY_HOLD_MAX.toNanos()
                && (registry.readToEnd() < since[0] + 2 || waited < REGISTRY_HOLD_MIN.toNanos())) {
            return true;
        }
        unregisteredHeld.remove(cameraId);
        unregistered.add(cameraId);
        return false;
    }

    static final Duration REGISTRY_HOLD_MIN = Duration.ofSeconds(2);
    static final Duration REGISTRY_HOLD_MAX = Duration.ofSeconds(10);
    static final int REGISTRY_HOLDS_MAX = 5;
    static final Duration REGISTRY_HOLDS_PER = Duration.ofMinutes(1);

    /** At most {@code max} holds begun within any {@code per}, on a monotonic clock in nanoseconds. */
    static final class HoldBudget {
        private final int max;
        private final long perNanos;
        private final Deque<Long> begun = new ArrayDeque<>();

        HoldBudget(int max, Duration per) {
            this.max = max;
            this.perNanos = per.toNanos();
        }

        boolean tryBegin(long nowNanos) {
            while (!begun.isEmpty() && nowNanos - begun.peekFirst() >= perNanos) {
                begun.pollFirst();
            }
            if (begun.size() >= max) {
                return false;
            }
            begun.addLast(nowNanos);
            return true;
        }
    }

    /** Compares free space with the floor; pauses below it, resumes above it plus a tenth. */
    private boolean checkDisk(Instant now) {
        nextDiskCheck = now.plusSeconds(1);
        long floor = storage.current().minFreeBytes();
        long free;
        try {
            free = storage.disk().freeBytes();
        } catch (IOException e) {
            storageError(null, e);
            return false;
        }
        if (state == State.RUNNING && free < floor) {
            closeAll();
            state = State.PAUSED_LOW_DISK;
            stateReason = "free space " + free + " bytes is below the floor of " + floor + " bytes";
            LOG.errorf("recording paused: %s on %s", stateReason, storage.current().root());
            publisher.alert(alert(Alert.LOW_DISK, Alert.State.RAISED, "Recording paused: " + stateReason + " ("
                    + storage.current().root() + ")", free, floor));
            return false;
        }
        if (state == State.PAUSED_LOW_DISK && free >= floor + floor / 10) {
            state = State.RUNNING;
            stateReason = null;
            LOG.infof("recording resumed: %d bytes free (floor %d)", free, floor);
            publisher.alert(alert(Alert.LOW_DISK, Alert.State.CLEARED, "Recording resumed: free space is back above "
                    + "the floor", free, floor));
        }
        return state == State.RUNNING;
    }

    private void storageError(String cameraId, IOException e) {
        metrics.counter("vigil_recorder_write_errors_total").increment();
        LOG.errorf("recording paused: cannot write%s under %s: %s; its open segments are discarded and their packets "
                + "will be written again in %d s", cameraId == null ? "" : " camera " + cameraId + "'s segment",
                storage.current().root(), e.getMessage(), config.writeRetry().toSeconds());
        for (CameraRecording rec : cameras.values()) {
            long first = rec.firstOffset();
            TopicPartition tp = cameraPartition.get(rec.cameraId());
            if (first >= 0 && tp != null) {
                nextOffset.merge(tp, first, Math::min);
            }
            rec.discard();
        }
        state = State.PAUSED_STORAGE_ERROR;
        stateReason = e.getMessage();
        retryAt = clock.instant().plus(config.writeRetry());
        if (!storageErrorRaised) {
            storageErrorRaised = true;
            publisher.alert(alert(Alert.STORAGE_ERROR, Alert.State.RAISED, "Recording paused: cannot write to "
                    + storage.current().root() + ": " + e.getMessage(), -1, storage.current().minFreeBytes()));
        }
    }

    private Alert alert(String kind, Alert.State s, String message, long free, long floor) {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("recordingsDir", storage.current().root().toString());
        if (free >= 0) {
            details.put("freeBytes", Long.toString(free));
        }
        details.put("minFreeBytes", Long.toString(floor));
        return new Alert(Alert.VERSION, java.util.UUID.randomUUID().toString(), kind, s, source, null, message,
                clock.instant(), details);
    }

    /** Where to consume from again after {@link #accept} said no: per partition, the first packet not on disk. */
    public Map<TopicPartition, Long> rewind() {
        return new HashMap<>(nextOffset);
    }

    /** Closes the open segments of cameras in the given partitions (they are being revoked, or we are stopping). */
    public void closeWhere(Predicate<TopicPartition> partitions) {
        for (Map.Entry<String, CameraRecording> e : cameras.entrySet()) {
            TopicPartition tp = cameraPartition.get(e.getKey());
            if (tp != null && partitions.test(tp)) {
                close(e.getValue());
            }
        }
    }

    private void closeAll() {
        cameras.values().forEach(this::close);
    }

    private void close(CameraRecording rec) {
        try {
            rec.close().ifPresent(this::announce);
        } catch (IOException e) {
            storageError(rec.cameraId(), e);
        }
    }

    private void announce(CameraRecording.Closed c) {
        SegmentClosed s = c.segment();
        Deque<SegmentClosed> recent = recentSegments.computeIfAbsent(s.cameraId(), k -> new ArrayDeque<>());
        synchronized (recent) {
            recent.addLast(s);
            while (recent.size() > 1 && recent.peekFirst().endedAt().isBefore(s.endedAt().minus(Duration.ofHours(1)))) {
                recent.removeFirst();
            }
        }
        metrics.counter("vigil_recorder_segments_total").increment();
        if (storageErrorRaised) {
            storageErrorRaised = false;
            publisher.alert(alert(Alert.STORAGE_ERROR, Alert.State.CLEARED, "Recording works again: segment "
                    + s.path() + " was written", -1, storage.current().minFreeBytes()));
        }
        unannounced.addLast(c);
        if (!stopping) {
            announcePending();
        }
    }

    /** Announces durable segments in order; one that fails stays queued and is retried (and after a restart, too). */
    private void announcePending() {
        while (!unannounced.isEmpty()) {
            CameraRecording.Closed c = unannounced.peekFirst();
            try {
                publisher.segment(c.segment());
                c.files().markAnnounced();
                unannounced.removeFirst();
                LOG.debugf("segment closed: %s (%d frames, %d bytes)", c.segment().path(), c.segment().frames(),
                        c.segment().bytes());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                metrics.counter("vigil_recorder_segment_announce_failures_total").increment();
                LOG.errorf("segment %s is on disk but not announced yet (%s); retrying in 5 s", c.segment().path(),
                        e.getMessage());
                nextAnnounceRetry = clock.instant().plusSeconds(5);
                return;
            }
        }
    }

    /** Offsets that are safe to commit: before the first packet of any open segment in each partition. */
    public Map<TopicPartition, OffsetAndMetadata> committable() {
        Map<TopicPartition, Long> safe = new HashMap<>(nextOffset);
        for (Map.Entry<String, CameraRecording> e : cameras.entrySet()) {
            long first = e.getValue().firstOffset();
            TopicPartition tp = cameraPartition.get(e.getKey());
            if (first >= 0 && tp != null) {
                safe.merge(tp, first, Math::min);
            }
        }
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        safe.forEach((tp, o) -> out.put(tp, new OffsetAndMetadata(o)));
        return out;
    }

    /** Forgets the positions of partitions no longer assigned. */
    public void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(nextOffset::remove);
        partitions.forEach(lastWallMicros::remove);
    }

    /**
     * Stops: open segments are closed so their footage is durable, and announced if Kafka takes them within
     * {@link #STOP_ANNOUNCE}. A segment left unannounced (Kafka gone, e.g. a stack whose launcher was killed) is on disk
     * under its final name and is announced by the start-up reconcile, so stopping never waits on a broker that is
     * not there.
     */
    public void stop() {
        stopping = true;
        closeAll();
        long deadline = System.nanoTime() + STOP_ANNOUNCE.toNanos();
        java.util.concurrent.ExecutorService sender = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "announce-on-stop");
            t.setDaemon(true);
            return t;
        });
        try {
            while (!unannounced.isEmpty()) {
                CameraRecording.Closed c = unannounced.peekFirst();
                long left = deadline - System.nanoTime();
                try {
                    sender.submit(() -> {
                        publisher.segment(c.segment());
                        return null;
                    }).get(Math.max(1, left), java.util.concurrent.TimeUnit.NANOSECONDS);
                    c.files().markAnnounced();
                    unannounced.removeFirst();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
                        | IOException e) {
                    LOG.warnf("%d closed segment(s) not announced while stopping (%s); the next start announces them",
                            unannounced.size(), e instanceof java.util.concurrent.TimeoutException
                                    ? "Kafka did not answer within " + STOP_ANNOUNCE.toSeconds() + " s" : e.getMessage());
                    break;
                }
            }
        } finally {
            sender.shutdownNow();
        }
    }

    /** How long stopping waits for Kafka to take the announcements of the segments it closed. */
    static final Duration STOP_ANNOUNCE = Duration.ofSeconds(3);
    private volatile boolean stopping;

    public State state() {
        return state;
    }

    public Optional<String> stateReason() {
        return Optional.ofNullable(stateReason);
    }

    /** How old the last packet consumed is, across partitions (0 when idle). */
    /**
     * How far behind the cameras this recorder is on {@code behind} (the partitions with records not consumed yet):
     * the age of the newest packet taken from them, in seconds; 0 when none is behind.
     */
    public double lagSeconds(java.util.Collection<TopicPartition> behind) {
        long now = clock.instant().toEpochMilli() * 1000;
        return behind.stream().map(lastWallMicros::get).filter(java.util.Objects::nonNull)
                .mapToLong(w -> now - w).max().orElse(0) / 1e6;
    }

    /** Packets known lost before they could be written (deleted from Kafka while this recorder lagged). */
    public long gapPackets() {
        return gapPackets.get();
    }

    /** This instance, as alerts and heartbeats name it: {@code recorder-service@<host>}. */
    public String source() {
        return source;
    }

    /** Cameras with an open segment, for the API. */
    public List<OpenSegment> openSegments() {
        List<OpenSegment> out = new ArrayList<>();
        cameras.forEach((id, rec) -> {
            if (rec.open()) {
                out.add(new OpenSegment(id, rec.startedAt(), rec.framesInOpenSegment(), rec.bytesInOpenSegment()));
            }
        });
        return out;
    }

    /** A segment being written. */
    public record OpenSegment(String cameraId, Instant startedAt, long frames, long bytes) {
    }

    /**
     * Bytes per hour each camera has been writing: its segments of the last hour and its open segment, over the time
     * they cover.
     */
    public Map<String, Long> bytesPerHour() {
        Map<String, Long> out = new HashMap<>();
        Instant now = clock.instant();
        Map<String, OpenSegment> open = new HashMap<>();
        openSegments().forEach(o -> open.put(o.cameraId(), o));
        java.util.Set<String> ids = new java.util.HashSet<>(recentSegments.keySet());
        ids.addAll(open.keySet());
        for (String id : ids) {
            long bytes = 0;
            long micros = 0;
            Deque<SegmentClosed> recent = recentSegments.getOrDefault(id, new ArrayDeque<>());
            synchronized (recent) {
                for (SegmentClosed s : recent) {
                    if (s.endedAt().isAfter(now.minus(Duration.ofHours(1)))) {
                        bytes += s.bytes();
                        micros += Duration.between(s.startedAt(), s.endedAt()).toNanos() / 1000;
                    }
                }
            }
            OpenSegment o = open.get(id);
            if (o != null && o.startedAt() != null) {
                bytes += o.bytes();
                micros += Math.max(0, Duration.between(o.startedAt(), now).toNanos() / 1000);
            }
            if (micros > 0) {
                out.put(id, (long) (bytes * 3_600_000_000.0 / micros));
            }
        }
        return out;
    }

    private void warnOnce(String key, String format, Object... args) {
        synchronized (warned) {
            if (warned.put(key, Boolean.TRUE) != null) {
                return;
            }
        }
        LOG.warnf(format + " (logged once; see vigil_recorder_packets_dropped_total)", args);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
