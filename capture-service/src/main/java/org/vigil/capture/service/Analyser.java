package org.vigil.capture.service;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.jboss.logging.Logger;
import org.vigil.capture.analysis.AnalysisArea;
import org.vigil.capture.analysis.DetectionCadence;
import org.vigil.capture.analysis.FrameDecoder;
import org.vigil.capture.analysis.GrayImage;
import org.vigil.capture.analysis.HogPeopleDetector;
import org.vigil.capture.analysis.MotionDetector;
import org.vigil.capture.analysis.MotionTracker;
import org.vigil.capture.analysis.ObjectDetector;
import org.vigil.capture.analysis.OnnxDetector;
import org.vigil.capture.config.CaptureConfig;
import org.vigil.capture.messaging.CapturePublisher;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Detections;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.StreamParams;

/**
 * The analysis side of one camera: decodes the packets of the analysed stream (the sub-stream when there is one),
 * runs motion detection at the configured rate and size, and sends motion events, the snapshot at motion start and
 * low-rate previews while someone watches them. Never on the recording path: the packets it sees have already gone to Kafka untouched. Fed by
 * one thread (the sub-stream's when the camera has one); {@link #close} may come from another, the camera's main thread
 * as it ends, and waits for the packet being decoded: the decoder and the detector are native, and freeing them under
 * the feeding thread brought the whole service down (SIGSEGV in FFmpeg). Nothing is decoded after the close.
 */
final class Analyser implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Analyser.class);
    static final double MIN_AREA = 0.002;

    private final CapturePublisher out;
    private final CaptureConfig settings;
    private final CameraMetrics metrics;
    private volatile CameraConfig camera;
    private CameraConfig analysedWith;
    private FrameDecoder decoder;
    private StreamParams decoding;
    private boolean undecodable;
    private MotionDetector detector;
    private MotionTracker tracker;
    private AnalysisArea area;
    private Instant nextAnalysis = Instant.MIN;
    private Instant nextPreview = Instant.MIN;
    private final DetectionCadence detection;
    private ObjectDetector objects;
    private boolean detectorBroken;
    private boolean closed;

    Analyser(CameraConfig camera, CapturePublisher out, CaptureConfig settings, CameraMetrics metrics) {
        this.camera = camera;
        this.out = out;
        this.settings = settings;
        this.metrics = metrics;
        this.detection = new DetectionCadence(Duration.ofNanos((long) (1e9 / settings.detector().fps())),
                settings.detector().longestSearchInterval(), settings.detector().confirmInterval());
    }

    /** New analysis settings (zones, masks, sensitivity, site) apply from the next analysed frame. */
    void update(CameraConfig c) {
        camera = c;
    }

    /** Feeds one packet of the analysed stream; {@code params} are the stream's, present on every key frame. */
    synchronized void accept(StreamParams params, byte[] data, boolean keyFrame, Instant now) {
        if (closed) {
            return;
        }
        if (keyFrame && params != null && (decoder == null || params.differsFrom(decoding))) {
            openDecoder(params);
        }
        if (decoder == null) {
            return;
        }
        boolean[] got = new boolean[1];
        metrics.time(metrics.decode, () -> got[0] = decoder.decode(data));
        if (!got[0]) {
            return;
        }
        CameraConfig cam = camera;
        if (!now.isBefore(nextAnalysis)) {
            nextAnalysis = now.plusNanos((long) (1e9 / settings.analysis().fps()));
            metrics.time(metrics.motion, () -> analyse(cam, now));
            metrics.analysed.increment();
        }
        if (!now.isBefore(nextPreview) && out.previewsWanted(cam.id())) {
            nextPreview = now.plusNanos((long) (1e9 / settings.preview().fps()));
            byte[] jpeg = decoder.jpeg(settings.preview().width(), settings.preview().quality());
            int w = Math.min(settings.preview().width(), decoding.width()) & ~1;
            out.preview(cam.id(), jpeg, w, (int) Math.round(decoding.height() * (double) w / decoding.width()) & ~1,
                    micros(now));
        }
    }

    private void openDecoder(StreamParams params) {
        closeDecoder();
        if (undecodable && params.codec().equals(decoding == null ? null : decoding.codec())) {
            return;
        }
        try {
            decoder = new FrameDecoder(params);
            decoding = params;
            undecodable = false;
        } catch (IllegalArgumentException e) {
            undecodable = true;
            decoding = params;
            LOG.warnf("camera %s: no motion analysis: %s", camera.id(), e.getMessage());
        }
    }

    private void analyse(CameraConfig cam, Instant now) {
        GrayImage gray = decoder.gray(settings.analysis().width());
        if (analysedWith != cam || area == null || !area.fits(gray)) {
            if (tracker == null || analysedWith == null || !analysedWith.site().equals(cam.site())) {
                endMotion();
                tracker = new MotionTracker(cam.id(), cam.site(), MotionTracker.Settings.DEFAULT);
            }
            detector = MotionDetector.forRate(cam.sensitivity(), MIN_AREA, settings.analysis().fps(),
                    seconds(settings.analysis().absorbAfter()));
            area = new AnalysisArea(gray.width(), gray.height(), cam.zones(), cam.masks());
            analysedWith = cam;
        }
        MotionDetector.Result motion = detector.analyse(gray, area);
        tracker.observe(now, motion).ifPresent(e -> {
            if (e.phase() == MotionEvent.Phase.START) {
                out.snapshot(e.eventId(), decoder.jpeg(settings.preview().width(), settings.preview().quality()));
            }
            out.motion(e);
        });
        if (motion.moving() && tracker.active() && settings.detector().enabled() && !detectorBroken
                && detection.due(now, tracker.currentEventId())) {
            boolean[] found = new boolean[1];
            metrics.time(detection.confirming() ? metrics.confirming : metrics.searching,
                    () -> found[0] = detect(cam, motion, now));
            detection.looked(now, found[0]);
        }
    }

    /**
     * Looks for people (and vehicles, with a model) in the motion regions, on a larger frame than motion needs; true
     * when it found any.
     */
    private boolean detect(CameraConfig cam, MotionDetector.Result motion, Instant now) {
        if (objects == null) {
            try {
                objects = newDetector(settings.detector());
            } catch (IllegalArgumentException e) {
                LOG.errorf("camera %s: detection is off: %s", cam.id(), e.getMessage());
                detectorBroken = true;
                return false;
            }
        }
        List<Detections.Detected> found = objects.detect(decoder, motion.boxes());
        if (!found.isEmpty()) {
            out.detections(new Detections(Detections.VERSION, cam.id(), cam.site(), tracker.currentEventId(),
                    now.truncatedTo(java.time.temporal.ChronoUnit.MILLIS), objects.name(), found));
        }
        return !found.isEmpty();
    }

    /** The detector the settings ask for; a bad ONNX model is an {@link IllegalArgumentException} that says why. */
    static ObjectDetector newDetector(CaptureConfig.Detector d) {
        return switch (d.kind()) {
            case "hog" -> new HogPeopleDetector(d.minConfidence(), d.width());
            case "onnx" -> new OnnxDetector(d.model().orElseThrow(() -> new IllegalArgumentException(
                    "vigil.capture.detector.kind=onnx needs vigil.capture.detector.model, the .onnx file")),
                    d.inputSize(), d.width(), d.labels(), d.minConfidence());
            default -> throw new IllegalArgumentException("vigil.capture.detector.kind must be hog or onnx, not "
                    + d.kind());
        };
    }

    /** The analysed stream stopped: end a motion event in progress and forget the decoder's state. */
    synchronized void streamEnded() {
        endMotion();
        closeDecoder();
    }

    private void endMotion() {
        if (tracker != null) {
            tracker.close().ifPresent(out::motion);
        }
    }

    private void closeDecoder() {
        if (decoder != null) {
            decoder.close();
            decoder = null;
        }
    }

    @Override
    public synchronized void close() {
        streamEnded();
        closed = true;
        if (objects != null) {
            objects.close();
            objects = null;
        }
    }

    static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
