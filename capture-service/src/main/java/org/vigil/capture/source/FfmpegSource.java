package org.vigil.capture.source;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avformat.av_find_input_format;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_network_init;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;

import java.io.File;

import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVInputFormat;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.PointerPointer;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.StreamParams;
import org.vigil.runtime.media.Ffmpeg;

/**
 * A camera read with FFmpeg's demuxers: RTSP, HTTP(S) MJPEG, a V4L2 device or a file. Packets are read with
 * {@code av_read_frame}: never decoded here. Every blocking call is bounded twice: by the protocol's own socket
 * timeout and by a {@link Deadline} that aborts FFmpeg once the call has run past it. A file plays at
 * its own pace and then ends; the worker reopens it, so it loops like a camera that reconnects.
 */
public final class FfmpegSource implements VideoSource {

    static {
        avformat_network_init();
    }

    private final String safeName;
    private final long timeoutNanos;
    private final boolean paceToClock;
    private final AVPacket packet = av_packet_alloc();
    private AVFormatContext fmt;
    private final Deadline deadline = new Deadline();
    private int streamIndex = -1;
    private StreamParams params;
    private boolean audio;
    private int tbNum;
    private int tbDen;
    private long firstTs = Long.MIN_VALUE;
    private long startNanos;

    private FfmpegSource(String safeName, int timeoutMs, boolean paceToClock) {
        this.safeName = safeName;
        this.timeoutNanos = timeoutMs * 1_000_000L;
        this.paceToClock = paceToClock;
    }

    /**
     * Opens the camera's main stream.
     *
     * @param timeoutMs bound on connecting and on every read
     */
    public static FfmpegSource open(CameraConfig camera, int timeoutMs) throws SourceException {
        String url = camera.url().trim();
        SourceUrls.Kind kind = SourceUrls.kind(url);
        String safe = camera.maskedUrl();
        if (kind == null || kind == SourceUrls.Kind.TEST) {
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT, "unsupported camera source: " + safe);
        }
        String target = switch (kind) {
            case FILE -> url.substring("file:".length()).replaceFirst("^//", "");
            case USB -> url.startsWith("/dev/") ? url : "/dev/video" + url;
            default -> url;
        };
        if (kind == SourceUrls.Kind.USB && !new File(target).exists()) {
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT, "no video device " + target);
        }
        if (kind == SourceUrls.Kind.FILE && !new File(target).canRead()) {
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT, "cannot read file " + target);
        }
        FfmpegSource s = new FfmpegSource(safe, timeoutMs, kind == SourceUrls.Kind.FILE);
        try {
            s.connect(kind, target, timeoutMs);
            return s;
        } catch (SourceException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void connect(SourceUrls.Kind kind, String target, int timeoutMs) throws SourceException {
        AVInputFormat input = null;
        if (kind == SourceUrls.Kind.USB) {
            input = v4l2();
        }
        fmt = avformat_alloc_context();
        deadline.bound(fmt);
        AVDictionary opts = new AVDictionary(null);
        String micros = Long.toString(timeoutMs * 1000L);
        if (kind == SourceUrls.Kind.RTSP) {
            av_dict_set(opts, "rtsp_transport", "tcp", 0);
            av_dict_set(opts, "timeout", micros, 0);
        } else if (kind == SourceUrls.Kind.HTTP) {
            av_dict_set(opts, "rw_timeout", micros, 0);
        }
        // enough to know the stream; estimating the frame rate from 5 frames instead of FFmpeg's default saves
        // over a second on every (re)connection
        av_dict_set(opts, "analyzeduration", "1000000", 0);
        av_dict_set(opts, "probesize", "1000000", 0);
        av_dict_set(opts, "fpsprobesize", "5", 0);
        arm();
        int rc = avformat_open_input(fmt, target, input, opts);
        av_dict_free(opts);
        if (rc < 0) {
            fmt = null; // FFmpeg freed it
            SourceException.Cause cause = openFailure(rc);
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT, cause, "cannot open " + safeName + ": "
                    + reason(rc));
        }
        arm();
        rc = avformat_find_stream_info(fmt, (PointerPointer<?>) null);
        if (rc < 0) {
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT, deadline.passed()
                    ? SourceException.Cause.NO_PICTURE : SourceException.Cause.NOT_VIDEO,
                    "cannot read the streams of " + safeName + ": " + reason(rc));
        }
        for (int i = 0; i < fmt.nb_streams(); i++) {
            int type = fmt.streams(i).codecpar().codec_type();
            if (type == AVMEDIA_TYPE_VIDEO && streamIndex < 0) {
                streamIndex = i;
            } else if (type == org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO) {
                audio = true;
            }
        }
        if (streamIndex < 0) {
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT, SourceException.Cause.NOT_VIDEO,
                    safeName + " has no video stream");
        }
        AVStream st = fmt.streams(streamIndex);
        AVCodecParameters par = st.codecpar();
        if (par.width() <= 0 || par.height() <= 0) {
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT, SourceException.Cause.NOT_VIDEO,
                    safeName + " reports no picture size");
        }
        byte[] extradata = new byte[Math.max(0, par.extradata_size())];
        if (extradata.length > 0) {
            par.extradata().get(extradata);
        }
        AVRational rate = st.avg_frame_rate().num() > 0 ? st.avg_frame_rate() : st.r_frame_rate();
        boolean plausible = rate.num() > 0 && rate.den() > 0 && rate.num() <= 240L * rate.den();
        params = new StreamParams(avcodec_get_name(par.codec_id()).getString(), par.width(), par.height(),
                plausible ? rate.num() : 0, plausible ? rate.den() : 1, extradata);
        tbNum = st.time_base().num();
        tbDen = st.time_base().den();
    }

    /** What a failed {@code avformat_open_input} means for the operator. */
    private SourceException.Cause openFailure(int rc) {
        if (deadline.passed()) {
            return SourceException.Cause.UNREACHABLE;
        }
        if (rc == org.bytedeco.ffmpeg.global.avutil.AVERROR_HTTP_UNAUTHORIZED
                || rc == org.bytedeco.ffmpeg.global.avutil.AVERROR_HTTP_FORBIDDEN) {
            return SourceException.Cause.UNAUTHORIZED;
        }
        if (rc == org.bytedeco.ffmpeg.global.avutil.AVERROR_HTTP_NOT_FOUND) {
            return SourceException.Cause.NOT_FOUND;
        }
        if (rc == org.bytedeco.ffmpeg.global.avutil.AVERROR_INVALIDDATA) {
            return SourceException.Cause.NOT_VIDEO;
        }
        // AVERROR(e) is -e on Linux: refused, no route (host, network), timed out, host down, name not resolved
        return switch (-rc) {
            case 111, 113, 101, 110, 112, 5 -> SourceException.Cause.UNREACHABLE;
            default -> rc == org.bytedeco.ffmpeg.global.avutil.AVERROR_EXTERNAL
                    || Ffmpeg.error(rc).toLowerCase(java.util.Locale.ROOT).contains("resolv")
                    ? SourceException.Cause.UNREACHABLE : SourceException.Cause.OTHER;
        };
    }

    /** Whether the source carries an audio stream beside its video (never read: Vigil records video only). */
    @Override
    public boolean hasAudio() {
        return audio;
    }

    /** V4L2 lives in libavdevice, which links PulseAudio: load it only for USB cameras, and say what is missing. */
    private static AVInputFormat v4l2() throws SourceException {
        try {
            org.bytedeco.ffmpeg.global.avdevice.avdevice_register_all();
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT,
                    "USB cameras need FFmpeg's device library, which needs libpulse0 (apt-get install libpulse0)");
        }
        AVInputFormat f = av_find_input_format("video4linux2");
        if (f == null) {
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT, "this FFmpeg build cannot read V4L2 devices");
        }
        return f;
    }

    private void arm() {
        deadline.arm(timeoutNanos);
    }

    private String reason(int rc) {
        if (deadline.passed()) {
            return "no answer within " + timeoutNanos / 1_000_000 + " ms";
        }
        return CameraConfig.maskCredentials(Ffmpeg.error(rc));
    }

    @Override
    public StreamParams params() {
        return params;
    }

    @Override
    public Packet read() throws SourceException {
        while (true) {
            arm();
            int rc = av_read_frame(fmt, packet);
            if (rc == AVERROR_EOF) {
                if (paceToClock) {
                    throw SourceException.endOfFile("end of file " + safeName);
                }
                throw new SourceException(SourceException.Kind.NO_SIGNAL, "end of stream from " + safeName);
            }
            if (rc < 0) {
                throw new SourceException(SourceException.Kind.NO_SIGNAL, "reading " + safeName + " failed: "
                        + reason(rc));
            }
            try {
                if (packet.stream_index() != streamIndex || packet.size() <= 0) {
                    continue;
                }
                byte[] data = new byte[packet.size()];
                packet.data().get(data);
                long pts = packet.pts() == AV_NOPTS_VALUE ? MediaPacket.NO_TIME : packet.pts();
                long dts = packet.dts() == AV_NOPTS_VALUE ? MediaPacket.NO_TIME : packet.dts();
                boolean keyFrame = (packet.flags() & AV_PKT_FLAG_KEY) != 0;
                if (paceToClock) {
                    pace(dts != MediaPacket.NO_TIME ? dts : pts);
                }
                return new Packet(data, pts, dts, tbNum, tbDen, keyFrame);
            } finally {
                av_packet_unref(packet);
            }
        }
    }

    /** A file is read as fast as the disk allows; hold each packet until its time, as a camera would send it. */
    private void pace(long ts) throws SourceException {
        if (ts == MediaPacket.NO_TIME) {
            return;
        }
        if (firstTs == Long.MIN_VALUE) {
            firstTs = ts;
            startNanos = System.nanoTime();
            return;
        }
        long due = startNanos + (ts - firstTs) * 1_000_000_000L * tbNum / tbDen;
        long wait = due - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SourceException(SourceException.Kind.NO_SIGNAL, "interrupted");
            }
        }
    }

    @Override
    public void close() {
        if (fmt != null) {
            avformat_close_input(fmt);
            fmt = null;
        }
        deadline.close();
        av_packet_free(packet);
    }
}
