package org.vigil.capture.source;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.presets.avutil.AVERROR_EAGAIN;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2YUV_I420;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_8;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.circle;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.getTextSize;
import static org.bytedeco.opencv.global.opencv_imgproc.line;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.StreamParams;
import org.vigil.runtime.media.Ffmpeg;

/**
 * A camera that exists only in software ({@code test:}): it draws a still scene with a burned-in UTC clock, lets a
 * figure walk across it for {@link #WALK} of every {@link #CYCLE}, and encodes the frames in real time to H.264
 * (libopenh264, Constrained Baseline; MPEG-4 Part 2 where that encoder is missing), like an IP camera's encoder.
 * Everything downstream treats its packets like any other camera's.
 *
 * <p>Options: {@code test:?size=640x360&fps=15}.
 */
public final class SyntheticSource implements VideoSource {

    /** One scene cycle: quiet, then the figure walks, then quiet again. */
    static final Duration CYCLE = Duration.ofSeconds(16);
    /** When the figure enters, from the start of a cycle. */
    static final Duration WALK_START = Duration.ofSeconds(3);
    /** How long the figure is in view. */
    static final Duration WALK = Duration.ofSeconds(6);
    /** Height of the strip at the top that holds the clock; a natural motion mask. */
    public static final double CLOCK_STRIP = 0.12;

    /** The time code: bits, and its left and right edges as shares of the width. */
    public static final int CODE_BITS = 48;
    public static final double CODE_LEFT = 0.64;
    public static final double CODE_RIGHT = 0.99;

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneOffset.UTC);

    private final int width;
    private final int height;
    private final int fps;
    private final InstantSource clock;
    private final AVCodecContext encoder;
    private final AVFrame frame;
    private final AVPacket packet;
    private final Mat background;
    private final Mat canvas;
    private final Mat yuv = new Mat();
    private final StreamParams params;
    private final long startNanos = System.nanoTime();
    private long frameIndex;

    private SyntheticSource(int width, int height, int fps, InstantSource clock) {
        this.width = width;
        this.height = height;
        this.fps = fps;
        this.clock = clock;
        AVCodec codec = avcodec_find_encoder_by_name("libopenh264");
        String codecName = "h264";
        if (codec == null) {
            codec = avcodec_find_encoder_by_name("mpeg4");
            codecName = "mpeg4";
        }
        encoder = avcodec_alloc_context3(codec);
        encoder.width(width).height(height).pix_fmt(AV_PIX_FMT_YUV420P).time_base(av_make_q(1, fps))
                .framerate(av_make_q(fps, 1)).gop_size(fps * 2).max_b_frames(0).bit_rate(1_000_000L)
                .thread_count(1);
        int rc = avcodec_open2(encoder, codec, (org.bytedeco.ffmpeg.avutil.AVDictionary) null);
        if (rc < 0) {
            avcodec_free_context(encoder);
            throw new IllegalStateException("cannot open the " + codecName + " encoder: " + Ffmpeg.error(rc));
        }
        frame = av_frame_alloc();
        frame.format(AV_PIX_FMT_YUV420P).width(width).height(height);
        Ffmpeg.check(av_frame_get_buffer(frame, 32), "av_frame_get_buffer");
        packet = av_packet_alloc();
        byte[] extradata = new byte[Math.max(0, encoder.extradata_size())];
        if (extradata.length > 0) {
            encoder.extradata().get(extradata);
        }
        params = new StreamParams(codecName, width, height, fps, 1, extradata);
        background = drawBackground(width, height);
        canvas = new Mat(height, width, CV_8UC3);
    }

    /** Opens {@code test:[?size=WxH&fps=N]}. */
    public static SyntheticSource open(String url, InstantSource clock) throws SourceException {
        Map<String, String> q = SourceUrls.query(url);
        int w = 640;
        int h = 360;
        int fps = 15;
        try {
            if (q.containsKey("size")) {
                String[] wh = q.get("size").split("x");
                w = Integer.parseInt(wh[0]);
                h = Integer.parseInt(wh[1]);
            }
            if (q.containsKey("fps")) {
                fps = Integer.parseInt(q.get("fps"));
            }
        } catch (RuntimeException e) {
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT,
                    "bad test source options (expected test:?size=640x360&fps=15): " + url);
        }
        if (w < 64 || h < 64 || w > 3840 || h > 2160 || w % 2 != 0 || h % 2 != 0 || fps < 1 || fps > 60) {
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT,
                    "test source size must be even, 64x64 to 3840x2160, and fps 1 to 60: " + url);
        }
        return new SyntheticSource(w, h, fps, clock);
    }

    @Override
    public StreamParams params() {
        return params;
    }

    @Override
    public Packet read() throws SourceException {
        while (true) {
            int rc = avcodec_receive_packet(encoder, packet);
            if (rc == 0) {
                try {
                    byte[] data = new byte[packet.size()];
                    packet.data().get(data);
                    boolean key = (packet.flags() & AV_PKT_FLAG_KEY) != 0;
                    long pts = packet.pts() == org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE ? MediaPacket.NO_TIME
                            : packet.pts();
                    long dts = packet.dts() == org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE ? pts : packet.dts();
                    return new Packet(data, pts, dts, 1, fps, key);
                } finally {
                    av_packet_unref(packet);
                }
            }
            if (rc != AVERROR_EAGAIN()) {
                throw new SourceException(SourceException.Kind.NO_SIGNAL, "synthetic encoder failed: " + Ffmpeg.error(rc));
            }
            encodeNextFrame();
        }
    }

    private void encodeNextFrame() throws SourceException {
        long due = startNanos + frameIndex * 1_000_000_000L / fps;
        long wait = due - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SourceException(SourceException.Kind.NO_SIGNAL, "interrupted");
            }
        }
        render(frameIndex);
        cvtColor(canvas, yuv, COLOR_BGR2YUV_I420);
        Ffmpeg.check(av_frame_make_writable(frame), "av_frame_make_writable");
        BytePointer src = yuv.data();
        copyPlane(src, 0, width, frame.data(0), frame.linesize(0), width, height);
        copyPlane(src, (long) width * height, width / 2, frame.data(1), frame.linesize(1), width / 2, height / 2);
        copyPlane(src, (long) width * height * 5 / 4, width / 2, frame.data(2), frame.linesize(2), width / 2, height / 2);
        frame.pts(frameIndex);
        frameIndex++;
        int rc = avcodec_send_frame(encoder, frame);
        if (rc < 0) {
            throw new SourceException(SourceException.Kind.NO_SIGNAL, "synthetic encoder refused a frame: "
                    + Ffmpeg.error(rc));
        }
    }

    private static void copyPlane(BytePointer src, long srcOffset, int srcStride, BytePointer dst, int dstStride,
            int rowBytes, int rows) {
        if (srcStride == dstStride) {
            Pointer.memcpy(dst, new BytePointer(src).position(srcOffset), (long) rowBytes * rows);
            return;
        }
        for (int y = 0; y < rows; y++) {
            Pointer.memcpy(new BytePointer(dst).position((long) y * dstStride),
                    new BytePointer(src).position(srcOffset + (long) y * srcStride), rowBytes);
        }
    }

    /** Draws frame {@code i}: the still scene, the walking figure when it is in view, the clock. */
    private void render(long i) {
        background.copyTo(canvas);
        long tMillis = i * 1000 / fps;
        long inCycle = tMillis % CYCLE.toMillis();
        long walked = inCycle - WALK_START.toMillis();
        if (walked >= 0 && walked < WALK.toMillis()) {
            double progress = walked / (double) WALK.toMillis();
            int figW = Math.max(8, width / 14);
            int figH = Math.max(16, height * 2 / 5);
            int x = (int) (-figW + progress * (width + figW));
            int y = height - figH - height / 12;
            rectangle(canvas, new Point(x, y + figH / 5), new Point(x + figW, y + figH), new Scalar(60, 90, 200, 0), -1,
                    LINE_AA, 0);
            circle(canvas, new Point(x + figW / 2, y + figH / 10), Math.max(4, figW / 3), new Scalar(150, 190, 230, 0),
                    -1, LINE_AA, 0);
        }
        int stripH = (int) (height * CLOCK_STRIP);
        rectangle(canvas, new Point(0, 0), new Point(width, stripH), new Scalar(20, 20, 20, 0), -1, LINE_AA, 0);
        Instant now = clock.instant();
        double scale = textScale(stripH);
        putText(canvas, CLOCK.format(now) + " UTC", new Point(8, (int) (stripH * 0.72)), FONT_HERSHEY_SIMPLEX,
                scale, new Scalar(235, 235, 235, 0), Math.max(1, (int) Math.round(scale * 1.5)), LINE_AA, false);
        drawTimeCode(now.toEpochMilli(), stripH);
    }

    /** Text scale for the clock: as large as the strip allows, but clear of the time code on the right. */
    private double textScale(int stripH) {
        double scale = stripH / 40.0;
        int[] baseline = new int[1];
        org.bytedeco.opencv.opencv_core.Size size = getTextSize("0000-00-00 00:00:00.000 UTC", FONT_HERSHEY_SIMPLEX,
                1.0, 2, baseline);
        double fit = (width * (CODE_LEFT - 0.03) - 8) / Math.max(1, size.width());
        size.close();
        return Math.min(scale, fit);
    }

    /**
     * Burns the frame's time into the clock strip as a machine-readable code, so a viewer's clock can be compared
     * with the moment the frame was made (live-view latency): {@value #CODE_BITS} bits of epoch milliseconds, most
     * significant first, in 2 rows of cells over x in [{@value #CODE_LEFT}w, {@value #CODE_RIGHT}w) and the strip's
     * height; a light cell is 1. Large cells survive H.264 and JPEG at any preview size.
     */
    private void drawTimeCode(long millis, int stripH) {
        int perRow = CODE_BITS / 2;
        double cellW = width * (CODE_RIGHT - CODE_LEFT) / perRow;
        double cellH = stripH / 2.0;
        for (int i = 0; i < CODE_BITS; i++) {
            if (((millis >>> (CODE_BITS - 1 - i)) & 1) == 0) {
                continue;
            }
            int row = i / perRow;
            int col = i % perRow;
            int x0 = (int) Math.round(width * CODE_LEFT + col * cellW);
            int x1 = (int) Math.round(width * CODE_LEFT + (col + 1) * cellW) - 1;
            int y0 = (int) Math.round(row * cellH);
            int y1 = (int) Math.round((row + 1) * cellH) - 1;
            rectangle(canvas, new Point(x0, y0), new Point(x1, y1), new Scalar(235, 235, 235, 0), -1, LINE_8, 0);
        }
    }

    private static Mat drawBackground(int w, int h) {
        Mat m = new Mat(h, w, CV_8UC3, new Scalar(70, 78, 84, 0));
        int horizon = h * 2 / 5;
        rectangle(m, new Point(0, 0), new Point(w, horizon), new Scalar(120, 110, 95, 0), -1, LINE_AA, 0);
        for (int k = 0; k <= 10; k++) {
            int x = k * w / 10;
            line(m, new Point(w / 2, horizon), new Point(x, h), new Scalar(95, 100, 105, 0), 1, LINE_AA, 0);
        }
        rectangle(m, new Point(w / 8, horizon - h / 6), new Point(w / 3, horizon), new Scalar(90, 80, 70, 0), -1,
                LINE_AA, 0);
        rectangle(m, new Point(w * 3 / 5, horizon - h / 4), new Point(w * 4 / 5, horizon), new Scalar(85, 95, 100, 0),
                -1, LINE_AA, 0);
        putText(m, "VIGIL SYNTHETIC CAMERA", new Point(w / 20, h - h / 30), FONT_HERSHEY_SIMPLEX, h / 900.0,
                new Scalar(160, 160, 160, 0), 1, LINE_AA, false);
        return m;
    }

    @Override
    public void close() {
        av_packet_free(packet);
        av_frame_free(frame);
        avcodec_free_context(encoder);
        background.close();
        canvas.close();
        yuv.close();
    }
}
