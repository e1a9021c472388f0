package org.vigil.capture.probe;

import static org.bytedeco.ffmpeg.global.avcodec.avcodec_descriptor_get_by_name;
import static org.bytedeco.ffmpeg.global.avformat.av_guess_format;
import static org.bytedeco.ffmpeg.global.avformat.avformat_query_codec;

import java.util.Base64;
import java.util.concurrent.Semaphore;

import jakarta.enterprise.context.ApplicationScoped;
import org.bytedeco.ffmpeg.avcodec.AVCodecDescriptor;
import org.bytedeco.ffmpeg.avformat.AVOutputFormat;
import org.jboss.logging.Logger;
import org.vigil.capture.analysis.FrameDecoder;
import org.vigil.capture.config.CaptureConfig;
import org.vigil.capture.source.Packet;
import org.vigil.capture.source.SourceException;
import org.vigil.capture.source.StreamOpener;
import org.vigil.capture.source.VideoSource;
import org.vigil.contracts.CameraConfig;

/**
 * Tests a camera's address before it is saved (design 0018 §5), with the code that captures it: the same opener (its
 * sealed password opened only here), the same RTSP timeouts, the same decoder. It reads the main stream until it has
 * decoded a picture (a snapshot) and measured the frame rate, checks that an AVI segment can hold the codec, and
 * opens the sub-stream to check it shows the same scene shape. Nothing is stored or published.
 */
@ApplicationScoped
public class StreamProbe {

    private static final Logger LOG = Logger.getLogger(StreamProbe.class);
    /** Probes at once: each holds a connection and a decoder; more are refused rather than queued. */
    static final int CONCURRENT = 4;
    /** The sub-stream's aspect ratio may differ from the main stream's by this much (rounding of sizes). */
    static final double ASPECT_TOLERANCE = 0.02;
    static final int SNAPSHOT_WIDTH = 1280;
    /** Packets timed for the frame rate, after the first picture. */
    private static final int RATE_PACKETS = 10;

    private final StreamOpener opener;
    private final CaptureConfig settings;
    private final Semaphore slots = new Semaphore(CONCURRENT);

    public StreamProbe(StreamOpener opener, CaptureConfig settings) {
        this.opener = opener;
        this.settings = settings;
    }

    /** Thrown when {@link #CONCURRENT} probes are running already. */
    public static final class Busy extends RuntimeException {
        Busy() {
            super(CONCURRENT + " probes are running on this capture instance; try again in a few seconds");
        }
    }

    /** Probes {@code camera}'s main stream and its sub-stream, if it has one. */
    public ProbeResult probe(CameraConfig camera) {
        if (!slots.tryAcquire()) {
            throw new Busy();
        }
        long start = System.nanoTime();
        try {
            Read main;
            try {
                main = read(camera, true);
            } catch (SourceException e) {
                return failed(e, "url", start);
            }
            if (!main.facts.recordable()) {
                return new ProbeResult(false, "codec_not_recordable", "url", "the camera sends " + main.facts.codec()
                        + ", which an AVI segment cannot hold untouched: choose H.264 or MJPEG in the camera's settings "
                        + "(for its main stream)", main.facts, null, main.snapshot, ms(start));
            }
            ProbeResult.StreamFacts subFacts = null;
            String sub = camera.subStreamUrl();
            if (sub != null && !sub.isBlank()) {
                try {
                    subFacts = read(withUrl(camera, sub), false).facts;
                } catch (SourceException e) {
                    ProbeResult f = failed(e, "subStreamUrl", start);
                    return new ProbeResult(false, f.reason(), f.field(), "sub-stream: " + f.message(), main.facts,
                            null, main.snapshot, ms(start));
                }
                double a = (double) main.facts.width() / main.facts.height();
                double b = (double) subFacts.width() / subFacts.height();
                if (Math.abs(a - b) / a > ASPECT_TOLERANCE) {
                    return new ProbeResult(false, "substream_scene_differs", "subStreamUrl", String.format(
                            java.util.Locale.ROOT, "the sub-stream is %dx%d (%.3f:1) and the main stream %dx%d "
                                    + "(%.3f:1): zones drawn on one would not fit the other; is it another camera or a "
                                    + "cropped view?", subFacts.width(), subFacts.height(), b, main.facts.width(),
                            main.facts.height(), a), main.facts, subFacts, main.snapshot, ms(start));
                }
            }
            return new ProbeResult(true, null, null, "ok", main.facts, subFacts, main.snapshot, ms(start));
        } finally {
            slots.release();
        }
    }

    private record Read(ProbeResult.StreamFacts facts, String snapshot) {
    }

    /** Opens a stream, decodes its first picture (when asked), and times a few packets for the frame rate. */
    private Read read(CameraConfig camera, boolean picture) throws SourceException {
        try (VideoSource src = opener.open(camera)) {
            var params = src.params();
            boolean recordable = recordable(params.codec());
            String snapshot = null;
            long deadline = System.nanoTime() + settings.rtspTimeoutMs() * 1_000_000L;
            if (picture) {
                try (FrameDecoder decoder = new FrameDecoder(params)) {
                    while (!decoder.hasFrame()) {
                        if (System.nanoTime() > deadline) {
                            throw new SourceException(SourceException.Kind.NO_SIGNAL, SourceException.Cause.NO_PICTURE,
                                    "no picture could be decoded from " + camera.maskedUrl() + " within "
                                            + settings.rtspTimeoutMs() + " ms");
                        }
                        decoder.decode(src.read().data());
                    }
                    snapshot = Base64.getEncoder().encodeToString(decoder.jpeg(SNAPSHOT_WIDTH, 85));
                } catch (IllegalArgumentException e) {
                    // no decoder for it: the facts still stand, without a picture
                    LOG.debugf("probe of %s: %s", camera.maskedUrl(), e.getMessage());
                }
            }
            double fps = params.frameRate();
            if (fps <= 0) {
                fps = measureRate(src, deadline);
            }
            return new Read(new ProbeResult.StreamFacts(params.codec(), params.width(), params.height(),
                    Math.round(fps * 100) / 100.0, src.hasAudio(), recordable), snapshot);
        }
    }

    /** Frames per second from the packets' own times, or from their arrival when they carry none. */
    private static double measureRate(VideoSource src, long deadline) throws SourceException {
        long firstTs = Long.MIN_VALUE;
        long lastTs = 0;
        long firstNanos = 0;
        long lastNanos = 0;
        double tb = 0;
        int n = 0;
        while (n < RATE_PACKETS && System.nanoTime() < deadline) {
            Packet p = src.read();
            long ts = p.pts() != org.vigil.contracts.MediaPacket.NO_TIME ? p.pts() : p.dts();
            if (n == 0) {
                firstTs = ts;
                firstNanos = System.nanoTime();
                tb = p.timeBaseDen() == 0 ? 0 : (double) p.timeBaseNum() / p.timeBaseDen();
            }
            lastTs = ts;
            lastNanos = System.nanoTime();
            n++;
        }
        if (n < 2) {
            return 0;
        }
        if (firstTs != org.vigil.contracts.MediaPacket.NO_TIME && tb > 0 && lastTs > firstTs) {
            return (n - 1) / ((lastTs - firstTs) * tb);
        }
        return lastNanos > firstNanos ? (n - 1) * 1e9 / (lastNanos - firstNanos) : 0;
    }

    /** Whether an AVI file can hold this codec untouched (the recorder's own check). */
    static boolean recordable(String codec) {
        AVCodecDescriptor d = avcodec_descriptor_get_by_name(codec);
        AVOutputFormat avi = av_guess_format("avi", null, null);
        return d != null && avi != null && avformat_query_codec(avi, d.id(), 0) == 1;
    }

    private static ProbeResult failed(SourceException e, String field, long start) {
        String reason = switch (e.failure()) {
            case UNAUTHORIZED -> "unauthorized";
            case NOT_FOUND -> "not_found";
            case UNREACHABLE -> "unreachable";
            case NOT_VIDEO -> "not_video";
            case NO_PICTURE -> "no_picture";
            case OTHER -> "cannot_open";
        };
        String message = e.getMessage();
        if (reason.equals("unauthorized")) {
            field = "password";
            message += ": the camera refused the user name and password";
        }
        return new ProbeResult(false, reason, field, message, null, null, null, ms(start));
    }

    private static CameraConfig withUrl(CameraConfig c, String url) {
        return new CameraConfig(c.v(), c.id(), c.name(), c.site(), url, null, c.recording(), c.sensitivity(),
                c.zones(), c.masks(), c.updatedAt(), c.updatedBy(), c.enabled(), c.username(), c.passwordSealed(),
                c.minObjectArea(), c.labels(), c.retentionDays());
    }

    private static long ms(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
