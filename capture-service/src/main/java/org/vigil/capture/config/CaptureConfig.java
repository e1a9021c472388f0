package org.vigil.capture.config;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Capture settings; environment names from Vigil's runbooks are mapped in application.properties. */
@ConfigMapping(prefix = "vigil.capture")
public interface CaptureConfig {

    /** Name of this capture instance, reported as the owner of its cameras (VIGIL_INSTANCE). */
    String instance();

    /**
     * CAMERA_SOURCES: comma-separated {@code [id=]source}, where source is a USB index ({@code 0}), an
     * {@code rtsp://} or {@code http(s)://} URL, {@code file:/path} or {@code test:}. Registered at start-up.
     */
    Optional<String> cameraSources();

    /**
     * VIGIL_CAMERA_KEY_FILE: the key the gateway seals camera passwords with (design 0018 §3); a camera with a sealed
     * password cannot be opened without it.
     */
    Optional<java.nio.file.Path> cameraKeyFile();

    /**
     * VIGIL_SITE (CAMERA_SITE where it is not set): the site this instance captures for (design 0018 §6). It captures
     * only cameras of this site, shares them only with the other instances of this site, and gives this site to the
     * cameras of CAMERA_SOURCES.
     */
    @WithDefault("default")
    String site();

    /**
     * VIGIL_CAPTURE_SITES: every site this instance captures for, comma-separated, when one box serves several (its
     * own {@link #site()} among them or not); unset: its own site only.
     */
    Optional<java.util.List<String>> captureSites();

    /** The sites this instance captures for. */
    default java.util.List<String> sites() {
        return captureSites().filter(l -> !l.isEmpty()).map(l -> l.stream().map(String::trim).distinct().toList())
                .orElse(java.util.List.of(site()));
    }

    /** VIGIL_HEARTBEAT_INTERVAL: how often this instance tells its site it is alive. */
    @WithDefault("5s")
    Duration heartbeatInterval();

    /** RTSP_TIMEOUT_MS: bound on every blocking open and read; no frame for this long means no signal. */
    @WithDefault("10000")
    int rtspTimeoutMs();

    /**
     * VIGIL_RTSP_CLIENT: who reads rtsp:// cameras. {@code vigil} (the default): Vigil's own reader for H.264 and H.265
     * over TCP (design 0025), FFmpeg for any camera it cannot take; {@code ffmpeg}: FFmpeg for every camera.
     */
    @WithDefault("vigil")
    RtspClient rtspClient();

    /** Who reads rtsp:// cameras. */
    enum RtspClient {
        VIGIL, FFMPEG
    }

    /** RTSP_RECONNECT_SEC: wait before reconnecting a camera that failed; doubles up to {@link #reconnectMaxSec()}. */
    @WithDefault("5")
    int rtspReconnectSec();

    /** Cap of the reconnect back-off. */
    @WithDefault("60")
    int reconnectMaxSec();

    /**
     * Readiness: a camera is stale when it has delivered no packet for this long. The instance is not ready when it
     * captures cameras and every one of them is stale (it is cut off from its cameras, or stuck); stale cameras are
     * listed in the check either way.
     */
    @WithDefault("30s")
    Duration staleAfter();

    /** How often a camera's status is republished when nothing changes. */
    @WithDefault("10s")
    Duration statusInterval();

    Analysis analysis();

    Preview preview();

    Detector detector();

    Live live();

    /** The streams that exist for live view alone: a camera's sub-stream packets and its previews (design 0023). */
    interface Live {
        /**
         * Publish them only while someone reads them ({@code vigil.live-demand.v1}); false publishes them always, for
         * an integrator that reads {@code vigil.previews.v1} or {@code vigil.substreams.v1} from Kafka itself.
         */
        @WithDefault("true")
        boolean onDemand();
    }

    /**
     * Detection inside motion regions: OpenCV's HOG people detector ({@code hog}, no model to download), or a YOLO
     * model the operator supplies ({@code onnx}, people and vehicles).
     */
    interface Detector {
        @WithDefault("true")
        boolean enabled();

        /** {@code hog} or {@code onnx}. */
        @WithDefault("hog")
        String kind();

        /** The .onnx file (YOLOv8/YOLO11 detection head, COCO classes) when kind is onnx. */
        Optional<java.nio.file.Path> model();

        /** The ONNX model's square input side. */
        @WithDefault("640")
        int inputSize();

        /** COCO labels an ONNX model reports; others are ignored. */
        @WithDefault("person,bicycle,car,motorcycle,bus,truck")
        java.util.Set<String> labels();

        /** Most detector runs per second per camera, while there is motion. */
        @WithDefault("2")
        double fps();

        /**
         * While a motion event holds no detection, each look that finds nothing doubles the wait for the next, from
         * 1/{@link #fps()} up to this (design 0026): how late a person walking into a long motion event is labelled.
         */
        @WithDefault("2s")
        Duration longestSearchInterval();

        /**
         * Once a motion event holds a detection, the detector looks again only this often in it (a new event searches
         * at {@link #fps()} again): the label is known, later looks only follow it (designs 0022 and 0028).
         */
        @WithDefault("5s")
        Duration confirmInterval();

        /** Width of the frame the detector looks at (people must be about 100 px tall to be found). */
        @WithDefault("640")
        int width();

        @WithDefault("0.5")
        double minConfidence();
    }

    /** Motion analysis runs on decoded frames at this rate and width, never on the recording path. */
    interface Analysis {
        @WithDefault("5")
        double fps();

        @WithDefault("320")
        int width();

        /** Something that stops moving for this long becomes part of the scene and ends its motion. */
        @WithDefault("3s")
        Duration absorbAfter();
    }

    /** JPEG previews: the live view's video (gateways relay them to the browsers watching). */
    interface Preview {
        @WithDefault("5")
        double fps();

        @WithDefault("640")
        int width();

        /** JPEG quality, 1-100. */
        @WithDefault("75")
        int quality();
    }
}
