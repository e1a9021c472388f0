package org.vigil.capture.service;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import org.vigil.capture.config.CaptureConfig;
import org.vigil.capture.messaging.CapturePublisher;
import org.vigil.capture.source.StreamOpener;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.CameraStatus;

/** The cameras this instance captures: one {@link CameraWorker} each, started, updated and stopped on demand. */
@ApplicationScoped
public class CameraSupervisor {

    private static final Logger LOG = Logger.getLogger(CameraSupervisor.class);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    private final Map<String, CameraWorker> workers = new ConcurrentHashMap<>();
    private final StreamOpener opener;
    private final CapturePublisher out;
    private final CaptureConfig settings;
    private final InstantSource clock;
    private final MeterRegistry metrics;

    public CameraSupervisor(StreamOpener opener, CapturePublisher out, CaptureConfig settings, InstantSource clock,
            MeterRegistry metrics) {
        this.opener = opener;
        this.out = out;
        this.settings = settings;
        this.clock = clock;
        this.metrics = metrics;
    }

    /**
     * Starts capturing {@code c}, applies new settings, or reconnects when its source changed; a disabled camera is
     * stopped (and started again once enabled).
     */
    public synchronized void apply(CameraConfig c) {
        CameraWorker w = workers.get(c.id());
        if (!c.enabled()) {
            if (w != null) {
                stop(c.id());
                LOG.infof("camera %s disabled: capture stopped", c.id());
            }
            // after the worker's last word: what operators see is why nothing comes
            out.status(new CameraStatus(CameraStatus.VERSION, c.id(), c.site(), CameraStatus.State.DISABLED, 0, 0, 0,
                    null, null, settings.instance(), clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS)));
            return;
        }
        if (w != null && !w.needsReconnect(c)) {
            w.update(c);
            return;
        }
        if (w != null) {
            stop(c.id());
        }
        CameraWorker fresh = new CameraWorker(c, opener, out, settings, clock, metrics);
        workers.put(c.id(), fresh);
        fresh.start();
        LOG.infof("capturing camera %s (%s) at site %s", c.id(), c.maskedUrl(), c.site());
    }

    /**
     * {@link #apply}s a batch of records (one registry poll). Cameras that must stop (disabled, or reconnecting to a new
     * address) are stopped in parallel first: a stop waits for the camera's thread to leave FFmpeg, and 50 disabled one
     * after another took 10 s (bench/run camera-ops).
     */
    public synchronized void applyAll(Collection<CameraConfig> cameras) {
        java.util.Set<String> stopping = new java.util.HashSet<>();
        for (CameraConfig c : cameras) {
            CameraWorker w = workers.get(c.id());
            if (w != null && (!c.enabled() || w.needsReconnect(c))) {
                stopping.add(c.id());
            }
        }
        if (stopping.size() > 1) {
            stopWhere(stopping::contains);
        }
        cameras.forEach(this::apply);
    }

    /** Stops capturing a camera and waits until its thread has finished. */
    public synchronized void stop(String cameraId) {
        CameraWorker w = workers.remove(cameraId);
        if (w != null && !w.stop(STOP_TIMEOUT)) {
            LOG.errorf("camera %s did not stop within %s", cameraId, STOP_TIMEOUT);
        }
    }

    /** Stops a camera if it is captured here for {@code site} (not since moved to another site), and waits. */
    public synchronized void stop(String cameraId, String site) {
        CameraWorker w = workers.get(cameraId);
        if (w != null && w.camera().site().equals(site)) {
            stop(cameraId);
        }
    }

    /** Stops every camera of {@code site} whose id matches, in parallel, and waits for all. */
    public synchronized void stopWhere(String site, Predicate<String> cameraIds) {
        stopWhere(id -> {
            CameraWorker w = workers.get(id);
            return w != null && w.camera().site().equals(site) && cameraIds.test(id);
        });
    }

    /**
     * Stops every camera whose id matches, all at once, and waits for all: every worker is told first, then each is
     * waited for (a parallel stream would stop only as many at a time as there are cores).
     */
    public synchronized void stopWhere(Predicate<String> cameraIds) {
        List<String> ids = workers.keySet().stream().filter(cameraIds).toList();
        List<CameraWorker> stopping = new ArrayList<>();
        for (String id : ids) {
            CameraWorker w = workers.remove(id);
            if (w != null) {
                stopping.add(w);
            }
        }
        stopping.forEach(CameraWorker::requestStop);
        stopping.forEach(w -> {
            if (!w.stop(STOP_TIMEOUT)) {
                LOG.errorf("camera %s did not stop within %s", w.camera().id(), STOP_TIMEOUT);
            }
        });
        if (!ids.isEmpty()) {
            LOG.infof("released cameras %s", ids);
        }
    }

    public Collection<String> cameraIds() {
        return List.copyOf(workers.keySet());
    }

    /** Config and latest status of every camera captured here. */
    public List<Captured> cameras() {
        return workers.values().stream().map(w -> new Captured(w.camera(), w.status())).toList();
    }

    /** When each camera captured here last delivered a packet (or started, before its first). */
    public Map<String, java.time.Instant> lastPackets() {
        Map<String, java.time.Instant> out = new java.util.TreeMap<>();
        workers.forEach((id, w) -> out.put(id, w.lastPacket()));
        return out;
    }

    /** A camera this instance captures, with its latest status ({@code null} until the first attempt ends). */
    public record Captured(CameraConfig camera, CameraStatus status) {
    }

    @PreDestroy
    void stopAll() {
        stopWhere(id -> true);
    }
}
