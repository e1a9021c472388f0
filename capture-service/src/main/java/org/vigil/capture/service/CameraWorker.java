package org.vigil.capture.service;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import io.micrometer.core.instrument.MeterRegistry;
import org.jboss.logging.Logger;
import org.vigil.capture.config.CaptureConfig;
import org.vigil.capture.messaging.CapturePublisher;
import org.vigil.capture.source.Packet;
import org.vigil.capture.source.SourceException;
import org.vigil.capture.source.StreamOpener;
import org.vigil.capture.source.VideoSource;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.CameraStatus;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.StreamParams;

/**
 * One camera, on its own thread, so that a camera that hangs or fails never holds up another. Connects, forwards
 * every packet of the main stream untouched, publishes status on change and periodically, and reconnects after a
 * failure ({@link Backoff}). Analysis runs on the main stream's packets, or on its own thread from the sub-stream
 * when the camera has one ({@link SubStreamAnalysis}).
 */
final class CameraWorker implements Runnable {

    private static final Logger LOG = Logger.getLogger(CameraWorker.class);

    private final StreamOpener opener;
    private final CapturePublisher out;
    private final CaptureConfig settings;
    private final InstantSource clock;
    private final Backoff backoff;
    private final CameraMetrics metrics;
    private final Analyser analyser;
    private final SubStreamAnalysis subStream;
    private final Thread thread;
    private final Deque<Instant> recentPackets = new ArrayDeque<>();
    private volatile CameraConfig camera;
    private volatile boolean running = true;
    private volatile CameraStatus status;
    private volatile double inputFps;
    private volatile Instant lastPacket;

    CameraWorker(CameraConfig camera, StreamOpener opener, CapturePublisher out, CaptureConfig settings,
            InstantSource clock, MeterRegistry registry) {
        this.camera = camera;
        this.opener = opener;
        this.out = out;
        this.settings = settings;
        this.clock = clock;
        this.backoff = new Backoff(Duration.ofSeconds(settings.rtspReconnectSec()),
                () -> ThreadLocalRandom.current().nextDouble());
        this.lastPacket = clock.instant(); // a new camera is fresh until it has had the time to deliver
        this.metrics = new CameraMetrics(registry, camera.id(), () -> inputFps,
                () -> java.time.Duration.between(lastPacket, clock.instant()).toMillis() / 1000.0);
        this.analyser = new Analyser(camera, out, settings, metrics);
        this.subStream = camera.subStreamUrl() == null || camera.subStreamUrl().isBlank() ? null
                : new SubStreamAnalysis(camera, opener, analyser, out::subStreamPacket, backoff, clock);
        this.thread = new Thread(this, "camera-" + camera.id());
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
        if (subStream != null) {
            subStream.start();
        }
    }

    CameraConfig camera() {
        return camera;
    }

    /** Applies new analysis settings (zones, masks, sensitivity, name, site) from the next frame on. */
    void update(CameraConfig c) {
        camera = c;
        analyser.update(c);
        if (subStream != null) {
            subStream.update(c);
        }
    }

    /** Whether {@code c} needs a new connection rather than {@link #update}. */
    boolean needsReconnect(CameraConfig c) {
        return !Objects.equals(c.url(), camera.url()) || !Objects.equals(c.subStreamUrl(), camera.subStreamUrl())
                || !Objects.equals(c.username(), camera.username())
                || !Objects.equals(c.passwordSealed(), camera.passwordSealed());
    }

    CameraStatus status() {
        return status;
    }

    /** When the main stream last delivered a packet (or when capture started, before the first). */
    Instant lastPacket() {
        return lastPacket;
    }

    /** Tells the worker's threads to stop, without waiting (many cameras stop together, then are waited for). */
    void requestStop() {
        running = false;
        thread.interrupt();
        if (subStream != null) {
            subStream.requestStop();
        }
    }

    /** Asks the worker to stop and waits up to {@code timeout}; returns whether it has stopped. */
    boolean stop(Duration timeout) {
        requestStop();
        boolean subStopped = subStream == null || subStream.stop(timeout);
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boolean stopped = !thread.isAlive() && subStopped;
        if (stopped) {
            metrics.remove();
        }
        return stopped;
    }

    @Override
    public void run() {
        // this thread serves one camera: every line it logs names it (the JSON logs' mdc)
        org.jboss.logging.MDC.put("camera", camera.id());
        org.jboss.logging.MDC.put("site", camera.site());
        int failures = 0;
        // a camera's first records (its first motion event's START) must not meet a producer that does not yet know
        // their topics: under load, a send gives up on a metadata fetch after 200 ms and the record is lost
        if (!out.awaitTopics(java.time.Duration.ofSeconds(30))) {
            LOG.warnf("camera %s starts before Kafka has described every topic it sends to", camera.id());
        }
        try {
            while (running) {
                boolean reopenAtOnce = false;
                if (failures > 0) {
                    metrics.reconnects.increment();
                }
                try (VideoSource src = opener.open(camera)) {
                    metrics.connected.set(1);
                    if (session(src)) {
                        failures = 0;
                    }
                } catch (SourceException e) {
                    if (!running) {
                        break;
                    }
                    reopenAtOnce = e.endOfFile();
                    if (!reopenAtOnce) {
                        publishStatus(e.kind() == SourceException.Kind.CANNOT_CONNECT ? CameraStatus.State.OFFLINE
                                : CameraStatus.State.NO_SIGNAL, e.getMessage(), null);
                    }
                } catch (RuntimeException e) {
                    LOG.errorf(e, "camera %s: unexpected error; reconnecting", camera.id());
                    publishStatus(CameraStatus.State.OFFLINE, "internal error: " + e.getClass().getSimpleName(), null);
                }
                metrics.connected.set(0);
                if (subStream == null) {
                    analyser.streamEnded();
                }
                if (running && !reopenAtOnce) {
                    failures++;
                    sleep(backoff.delay(failures));
                }
            }
        } finally {
            // with a sub-stream, its thread may still hold a packet: the close waits for it (Analyser)
            analyser.close();
        }
    }

    /** Reads packets until the source fails or the worker stops; returns whether any packet arrived. */
    private boolean session(VideoSource src) throws SourceException {
        StreamParams params = src.params();
        String session = UUID.randomUUID().toString();
        long seq = 0;
        Instant nextStatus = Instant.MIN;
        while (running) {
            Packet p;
            try {
                p = src.read();
            } catch (SourceException e) {
                // connected, then the frames stopped: that is "no signal", whatever the cause
                throw seq == 0 ? e : e.as(SourceException.Kind.NO_SIGNAL);
            }
            Instant now = clock.instant();
            lastPacket = now;
            CameraConfig cam = camera;
            metrics.packets.increment();
            if (!out.packet(new MediaPacket(cam.id(), session, seq++, p.pts(), p.dts(), p.timeBaseNum(),
                    p.timeBaseDen(), p.keyFrame(), Analyser.micros(now), params.codec(), p.keyFrame() ? params : null,
                    p.data()))) {
                metrics.dropped.increment();
            }
            countPacket(now);
            if (!now.isBefore(nextStatus)) {
                nextStatus = now.plus(settings.statusInterval());
                publishStatus(CameraStatus.State.ONLINE, null, params);
            }
            if (subStream == null) {
                analyser.accept(params, p.data(), p.keyFrame(), now);
            }
        }
        return seq > 0;
    }

    private void countPacket(Instant now) {
        recentPackets.addLast(now);
        Instant horizon = now.minusSeconds(5);
        while (!recentPackets.isEmpty() && recentPackets.peekFirst().isBefore(horizon)) {
            recentPackets.removeFirst();
        }
        inputFps = recentPackets.size() / 5.0;
    }

    private void publishStatus(CameraStatus.State state, String error, StreamParams params) {
        CameraConfig cam = camera;
        CameraStatus previous = status;
        if (state != CameraStatus.State.ONLINE) {
            recentPackets.clear();
            inputFps = 0;
        }
        CameraStatus s = new CameraStatus(CameraStatus.VERSION, cam.id(), cam.site(), state, inputFps,
                params == null ? 0 : params.width(), params == null ? 0 : params.height(),
                params == null ? null : params.codec(), error == null ? null : CameraConfig.maskCredentials(error),
                settings.instance(), clock.instant().truncatedTo(ChronoUnit.MILLIS));
        status = s;
        metrics.online.set(state == CameraStatus.State.ONLINE ? 1 : 0);
        // logged on change only: a camera failing the same way every few seconds does not flood the log
        if (previous == null || previous.state() != state) {
            if (state == CameraStatus.State.ONLINE) {
                LOG.infof("camera %s online: %s %dx%d", cam.id(), s.codec(), s.width(), s.height());
            } else {
                LOG.warnf("camera %s %s: %s", cam.id(), state.wireName(), s.lastError());
            }
        }
        out.status(s);
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
