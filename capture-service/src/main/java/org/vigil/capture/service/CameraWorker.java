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

import org.jboss.logging.Logger;
import org.vigil.capture.analysis.AnalysisArea;
import org.vigil.capture.analysis.FrameDecoder;
import org.vigil.capture.analysis.GrayImage;
import org.vigil.capture.analysis.MotionDetector;
import org.vigil.capture.analysis.MotionTracker;
import org.vigil.capture.config.CaptureConfig;
import org.vigil.capture.messaging.CapturePublisher;
import org.vigil.capture.source.FfmpegSource;
import org.vigil.capture.source.Packet;
import org.vigil.capture.source.SourceException;
import org.vigil.capture.source.StreamOpener;
import org.vigil.capture.source.VideoSource;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.CameraStatus;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.StreamParams;

/**
 * One camera, on its own thread, so that a camera that hangs or fails never holds up another. Connects, forwards
 * every packet untouched, decodes only for analysis at the configured rate, publishes status on change and
 * periodically, and reconnects with a capped, jittered back-off after a failure.
 */
final class CameraWorker implements Runnable {

    private static final Logger LOG = Logger.getLogger(CameraWorker.class);
    private static final double MIN_AREA = 0.002;

    private final StreamOpener opener;
    private final CapturePublisher out;
    private final CaptureConfig settings;
    private final InstantSource clock;
    private final Thread thread;
    private volatile CameraConfig camera;
    private volatile boolean running = true;
    private volatile CameraStatus status;
    private final Deque<Instant> recentPackets = new ArrayDeque<>();
    private MotionTracker tracker;
    private MotionDetector detector;
    private AnalysisArea area;
    private CameraConfig analysedWith;

    CameraWorker(CameraConfig camera, StreamOpener opener, CapturePublisher out, CaptureConfig settings,
            InstantSource clock) {
        this.camera = camera;
        this.opener = opener;
        this.out = out;
        this.settings = settings;
        this.clock = clock;
        this.thread = new Thread(this, "camera-" + camera.id());
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    CameraConfig camera() {
        return camera;
    }

    /** Applies new analysis settings (zones, masks, sensitivity, name, site) from the next frame on. */
    void update(CameraConfig c) {
        camera = c;
    }

    /** Whether {@code c} needs a new connection rather than {@link #update}. */
    boolean needsReconnect(CameraConfig c) {
        return !Objects.equals(c.url(), camera.url()) || !Objects.equals(c.subStreamUrl(), camera.subStreamUrl());
    }

    CameraStatus status() {
        return status;
    }

    /** Asks the worker to stop and waits up to {@code timeout}; returns whether it has stopped. */
    boolean stop(Duration timeout) {
        running = false;
        thread.interrupt();
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    @Override
    public void run() {
        int failures = 0;
        while (running) {
            boolean reopenAtOnce = false;
            try (VideoSource src = opener.open(camera)) {
                failures = session(src) ? 0 : failures;
                reopenAtOnce = src instanceof FfmpegSource f && f.loops();
            } catch (SourceException e) {
                if (!running) {
                    break;
                }
                boolean loopEnd = e.getMessage() != null && e.getMessage().startsWith("end of stream") && isFile();
                reopenAtOnce = loopEnd;
                if (!loopEnd) {
                    publishStatus(e.kind() == SourceException.Kind.CANNOT_CONNECT ? CameraStatus.State.OFFLINE
                            : CameraStatus.State.NO_SIGNAL, e.getMessage(), null);
                }
            } catch (RuntimeException e) {
                LOG.errorf(e, "camera %s: unexpected error; reconnecting", camera.id());
                publishStatus(CameraStatus.State.OFFLINE, "internal error: " + e.getClass().getSimpleName(), null);
            }
            endMotion();
            if (running && !reopenAtOnce) {
                failures++;
                sleep(backoff(failures));
            }
        }
        endMotion();
    }

    private boolean isFile() {
        return camera.url().toLowerCase(java.util.Locale.ROOT).startsWith("file:");
    }

    /** Reads packets until the source fails or the worker stops; returns whether any packet arrived. */
    private boolean session(VideoSource src) throws SourceException {
        StreamParams params = src.params();
        String session = UUID.randomUUID().toString();
        long seq = 0;
        Instant nextAnalysis = Instant.MIN;
        Instant nextPreview = Instant.MIN;
        Instant nextStatus = Instant.MIN;
        FrameDecoder decoder = null;
        boolean analysisBroken = false;
        try {
            while (running) {
                Packet p;
                try {
                    p = src.read();
                } catch (SourceException e) {
                    if (seq == 0) {
                        throw e;
                    }
                    throw new SourceException(SourceException.Kind.NO_SIGNAL, e.getMessage());
                }
                Instant now = clock.instant();
                CameraConfig cam = camera;
                out.packet(new MediaPacket(cam.id(), session, seq++, p.pts(), p.dts(), p.timeBaseNum(),
                        p.timeBaseDen(), p.keyFrame(), now.getEpochSecond() * 1_000_000 + now.getNano() / 1000,
                        params.codec(), p.keyFrame() ? params : null, p.data()));
                countPacket(now);
                if (!now.isBefore(nextStatus)) {
                    nextStatus = now.plus(settings.statusInterval());
                    publishStatus(CameraStatus.State.ONLINE, null, params);
                }
                if (analysisBroken) {
                    continue;
                }
                if (decoder == null && p.keyFrame()) {
                    try {
                        decoder = new FrameDecoder(params);
                    } catch (IllegalArgumentException e) {
                        analysisBroken = true;
                        LOG.warnf("camera %s: no motion analysis: %s", cam.id(), e.getMessage());
                        continue;
                    }
                }
                if (decoder == null || !decoder.decode(p.data())) {
                    continue;
                }
                if (!now.isBefore(nextAnalysis)) {
                    nextAnalysis = now.plusNanos((long) (1e9 / settings.analysis().fps()));
                    analyse(cam, decoder, now);
                }
                if (!now.isBefore(nextPreview)) {
                    nextPreview = now.plusNanos((long) (1e9 / settings.preview().fps()));
                    byte[] jpeg = decoder.jpeg(settings.preview().width(), settings.preview().quality());
                    out.preview(cam.id(), jpeg, Math.min(settings.preview().width(), params.width()), params.height()
                            * Math.min(settings.preview().width(), params.width()) / params.width(),
                            now.getEpochSecond() * 1_000_000 + now.getNano() / 1000);
                }
            }
            return seq > 0;
        } finally {
            if (decoder != null) {
                decoder.close();
            }
        }
    }

    private void analyse(CameraConfig cam, FrameDecoder decoder, Instant now) {
        GrayImage gray = decoder.gray(settings.analysis().width());
        if (analysedWith != cam || area == null || !area.fits(gray)) {
            if (tracker == null || analysedWith == null || !analysedWith.site().equals(cam.site())) {
                endMotion();
                tracker = new MotionTracker(cam.id(), cam.site(), MotionTracker.Settings.DEFAULT);
            }
            detector = MotionDetector.forRate(cam.sensitivity(), MIN_AREA, settings.analysis().fps(),
                    settings.analysis().absorbAfter().toMillis() / 1000.0);
            area = new AnalysisArea(gray.width(), gray.height(), cam.zones(), cam.masks());
            analysedWith = cam;
        }
        MotionDetector.Result r = detector.analyse(gray, area);
        tracker.observe(now, r).ifPresent(e -> {
            if (e.phase() == MotionEvent.Phase.START) {
                out.snapshot(e.eventId(), decoder.jpeg(settings.preview().width(), settings.preview().quality()));
            }
            out.motion(e);
        });
    }

    private void endMotion() {
        if (tracker != null) {
            tracker.close().ifPresent(out::motion);
        }
    }

    private void countPacket(Instant now) {
        recentPackets.addLast(now);
        Instant horizon = now.minusSeconds(5);
        while (!recentPackets.isEmpty() && recentPackets.peekFirst().isBefore(horizon)) {
            recentPackets.removeFirst();
        }
    }

    private void publishStatus(CameraStatus.State state, String error, StreamParams params) {
        CameraConfig cam = camera;
        CameraStatus previous = status;
        double fps = state == CameraStatus.State.ONLINE ? recentPackets.size() / 5.0 : 0;
        CameraStatus s = new CameraStatus(CameraStatus.VERSION, cam.id(), cam.site(), state, fps,
                params == null ? 0 : params.width(), params == null ? 0 : params.height(),
                params == null ? null : params.codec(), error == null ? null : CameraConfig.maskCredentials(error),
                settings.instance(), clock.instant().truncatedTo(ChronoUnit.MILLIS));
        status = s;
        if (previous == null || previous.state() != state) {
            if (state == CameraStatus.State.ONLINE) {
                LOG.infof("camera %s online: %s %dx%d", cam.id(), s.codec(), s.width(), s.height());
            } else {
                LOG.warnf("camera %s %s: %s", cam.id(), state.wireName(), s.lastError());
            }
        }
        out.status(s);
    }

    private Duration backoff(int failures) {
        long base = (long) settings.rtspReconnectSec() * 1000L << Math.min(failures - 1, 4);
        long capped = Math.min(base, settings.reconnectMaxSec() * 1000L);
        double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
        return Duration.ofMillis((long) (capped * jitter));
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
