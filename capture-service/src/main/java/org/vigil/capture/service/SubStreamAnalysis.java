package org.vigil.capture.service;

import java.time.Duration;
import java.time.InstantSource;

import org.jboss.logging.Logger;
import org.vigil.capture.source.Packet;
import org.vigil.capture.source.SourceException;
import org.vigil.capture.source.StreamOpener;
import org.vigil.capture.source.VideoSource;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.StreamParams;

/**
 * Analysis from a camera's sub-stream, on its own thread and connection: the main stream is recorded at full
 * resolution while motion runs on the small one. Its failures never touch the main stream or the camera's status;
 * they are logged on change and it reconnects on its own.
 */
final class SubStreamAnalysis implements Runnable {

    private static final Logger LOG = Logger.getLogger(SubStreamAnalysis.class);

    private final StreamOpener opener;
    private final Analyser analyser;
    private final Backoff backoff;
    private final InstantSource clock;
    private final Thread thread;
    private volatile CameraConfig camera;
    private volatile boolean running = true;
    private String lastError;

    SubStreamAnalysis(CameraConfig camera, StreamOpener opener, Analyser analyser, Backoff backoff,
            InstantSource clock) {
        this.camera = camera;
        this.opener = opener;
        this.analyser = analyser;
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
                while (running) {
                    Packet p = src.read();
                    analyser.accept(params, p.data(), p.keyFrame(), clock.instant());
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
    }
}
