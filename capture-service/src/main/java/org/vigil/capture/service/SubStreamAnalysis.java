package org.vigil.capture.service;

import java.time.Duration;
import java.time.InstantSource;

import org.jboss.logging.Logger;
import org.vigil.capture.source.Packet;
import org.vigil.capture.source.SourceException;
import org.vigil.capture.source.StreamOpener;
import org.vigil.capture.source.VideoSource;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.StreamParams;

/**
 * Analysis from a camera's sub-stream, on its own thread and connection: the main stream is recorded at full
 * resolution while motion runs on the small one. Its packets are also published as they came
 * ({@code vigil.substreams.v1}) for the live grid, which plays them natively (design 0019 §6); they are never recorded.
 * Its failures never touch the main stream or the camera's status; they are logged on change and it reconnects on its
 * own.
 */
final class SubStreamAnalysis implements Runnable {

    private static final Logger LOG = Logger.getLogger(SubStreamAnalysis.class);

    private final StreamOpener opener;
    private final Analyser analyser;
    /** Where the sub-stream's packets go for live view; false when one could not be handed over (a full buffer). */
    private final java.util.function.Predicate<MediaPacket> publish;
    private final Backoff backoff;
    private final InstantSource clock;
    private final Thread thread;
    private volatile CameraConfig camera;
    private volatile boolean running = true;
    private String lastError;

    SubStreamAnalysis(CameraConfig camera, StreamOpener opener, Analyser analyser,
            java.util.function.Predicate<MediaPacket> publish, Backoff backoff, InstantSource clock) {
        this.camera = camera;
        this.opener = opener;
        this.analyser = analyser;
        this.publish = publish;
        this.backoff = backoff;
        this.clock = clock;
        this.thread = new Thread(this, "camera-" + camera.id() + "-analysis");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void update(CameraConfig c) {
        camera = c;
    }

    /** Tells the thread to stop, without waiting. */
    void requestStop() {
        running = false;
        thread.interrupt();
    }

    boolean stop(Duration timeout) {
        requestStop();
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    @Override
    public void run() {
        org.jboss.logging.MDC.put("camera", camera.id());
        org.jboss.logging.MDC.put("site", camera.site());
        int failures = 0;
        while (running) {
            CameraConfig cam = camera;
            // the sub-stream is the same camera: the same user name and password
            CameraConfig sub = new CameraConfig(cam.v(), cam.id(), cam.name(), cam.site(), cam.subStreamUrl(), null,
                    cam.recording(), cam.sensitivity(), cam.zones(), cam.masks(), cam.updatedAt(), cam.updatedBy(),
                    cam.enabled(), cam.username(), cam.passwordSealed(), cam.minObjectArea(), cam.labels(),
                    cam.retentionDays());
            try (VideoSource src = opener.open(sub)) {
                StreamParams params = src.params();
                if (lastError != null) {
                    LOG.infof("camera %s: analysing its sub-stream again", cam.id());
                    lastError = null;
                }
                failures = 0;
                String session = java.util.UUID.randomUUID().toString();
                long seq = 0;
                while (running) {
                    Packet p = src.read();
                    java.time.Instant now = clock.instant();
                    // a packet that cannot be handed over is only a live frame lost: the recording is the main stream's
                    publish.test(new MediaPacket(cam.id(), session, seq++, p.pts(), p.dts(), p.timeBaseNum(),
                            p.timeBaseDen(), p.keyFrame(), Analyser.micros(now), params.codec(),
                            p.keyFrame() ? params : null, p.data()));
                    analyser.accept(params, p.data(), p.keyFrame(), now);
                }
            } catch (SourceException e) {
                if (running && !e.getMessage().equals(lastError)) {
                    LOG.warnf("camera %s: sub-stream for analysis: %s", cam.id(), e.getMessage());
                    lastError = e.getMessage();
                }
            } catch (RuntimeException e) {
                LOG.errorf(e, "camera %s: sub-stream analysis failed", cam.id());
            }
            analyser.streamEnded();
            if (running) {
                failures++;
                try {
                    Thread.sleep(backoff.delay(failures).toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                }
            }
        }
        // the analyser is this thread's: it frees the decoder and the detector (the main thread's close, should it
        // come first, waits for the packet in hand and leaves nothing for this one)
        analyser.close();
    }
}
