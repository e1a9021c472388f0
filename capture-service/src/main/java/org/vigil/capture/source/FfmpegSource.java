package org.vigil.capture.source;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;

import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FrameGrabber;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.StreamParams;

/**
 * A camera read through FFmpeg: RTSP, HTTP(S) MJPEG, a V4L2 device or a file. Packets are taken with
 * {@code grabPacket()}: never decoded here. Every blocking call is bounded by the timeout (FFmpeg's socket
 * timeouts plus JavaCV's interrupt callback). A file plays at its own pace and ends; the worker reopens it, so it
 * loops like a camera that reconnects.
 */
public final class FfmpegSource implements VideoSource {

    private final FFmpegFrameGrabber grabber;
    private final String safeName;
    private final int streamIndex;
    private final StreamParams params;
    private final int tbNum;
    private final int tbDen;
    private final boolean paceToClock;
    private long firstPts = Long.MIN_VALUE;
    private long startNanos;

    private FfmpegSource(FFmpegFrameGrabber grabber, String safeName, boolean paceToClock) throws SourceException {
        this.grabber = grabber;
        this.safeName = safeName;
        this.paceToClock = paceToClock;
        int idx = -1;
        var fmt = grabber.getFormatContext();
        for (int i = 0; i < fmt.nb_streams(); i++) {
            if (fmt.streams(i).codecpar().codec_type() == AVMEDIA_TYPE_VIDEO) {
                idx = i;
                break;
            }
        }
        if (idx < 0) {
            close();
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT, safeName + " has no video stream");
        }
        streamIndex = idx;
        AVStream st = fmt.streams(idx);
        AVCodecParameters par = st.codecpar();
        byte[] extradata = new byte[Math.max(0, par.extradata_size())];
        if (extradata.length > 0) {
            par.extradata().get(extradata);
        }
        AVRational rate = st.avg_frame_rate().num() > 0 ? st.avg_frame_rate() : st.r_frame_rate();
        if (par.width() <= 0 || par.height() <= 0) {
            close();
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT, safeName + " reports no picture size");
        }
        params = new StreamParams(avcodec_get_name(par.codec_id()).getString(), par.width(), par.height(),
                Math.max(0, rate.num()), Math.max(1, rate.den()), extradata);
        tbNum = st.time_base().num();
        tbDen = st.time_base().den();
    }

    /**
     * Opens the camera's main stream.
     *
     * @param timeoutMs bound on connect and on every read
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
        if (kind == SourceUrls.Kind.USB && !new java.io.File(target).exists()) {
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT, "no video device " + target);
        }
        if (kind == SourceUrls.Kind.FILE && !new java.io.File(target).canRead()) {
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT, "cannot read file " + target);
        }
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(target);
        String micros = Long.toString(timeoutMs * 1000L);
        switch (kind) {
            case RTSP -> {
                g.setOption("rtsp_transport", "tcp");
                g.setOption("timeout", micros);
            }
            case HTTP -> g.setOption("rw_timeout", micros);
            case USB -> g.setFormat("video4linux2");
            default -> {
            }
        }
        g.setOption("analyzeduration", "2000000");
        g.setOption("probesize", "2000000");
        g.setTimeout(timeoutMs);
        try {
            g.start(false);
        } catch (FrameGrabber.Exception | RuntimeException e) {
            try {
                g.release();
            } catch (FrameGrabber.Exception ignored) {
                // the open failed; nothing more to release
            }
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT, "cannot open " + safe + ": "
                    + CameraConfig.maskCredentials(String.valueOf(e.getMessage())));
        }
        return new FfmpegSource(g, safe, kind == SourceUrls.Kind.FILE);
    }

    @Override
    public StreamParams params() {
        return params;
    }

    @Override
    public Packet read() throws SourceException {
        while (true) {
            AVPacket pkt;
            try {
                pkt = grabber.grabPacket();
            } catch (FrameGrabber.Exception | RuntimeException e) {
                throw new SourceException(SourceException.Kind.NO_SIGNAL, "reading " + safeName + " failed: "
                        + CameraConfig.maskCredentials(String.valueOf(e.getMessage())));
            }
            if (pkt == null) {
                throw new SourceException(SourceException.Kind.NO_SIGNAL, "end of stream from " + safeName);
            }
            if (pkt.stream_index() != streamIndex || pkt.size() <= 0) {
                continue;
            }
            byte[] data = new byte[pkt.size()];
            pkt.data().get(data);
            long pts = pkt.pts() == AV_NOPTS_VALUE ? MediaPacket.NO_TIME : pkt.pts();
            long dts = pkt.dts() == AV_NOPTS_VALUE ? MediaPacket.NO_TIME : pkt.dts();
            if (paceToClock) {
                pace(dts != MediaPacket.NO_TIME ? dts : pts);
            }
            return new Packet(data, pts, dts, tbNum, tbDen, (pkt.flags() & AV_PKT_FLAG_KEY) != 0);
        }
    }

    /** A file is read as fast as the disk allows; hold each packet until its time, as a camera would send it. */
    private void pace(long ts) throws SourceException {
        if (ts == MediaPacket.NO_TIME) {
            return;
        }
        if (firstPts == Long.MIN_VALUE) {
            firstPts = ts;
            startNanos = System.nanoTime();
            return;
        }
        long dueNanos = startNanos + (ts - firstPts) * 1_000_000_000L * tbNum / tbDen;
        long wait = dueNanos - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SourceException(SourceException.Kind.NO_SIGNAL, "interrupted");
            }
        }
    }

    /** Whether the end of this source is normal (a file) and it should be reopened at once. */
    public boolean loops() {
        return paceToClock;
    }

    @Override
    public void close() {
        try {
            grabber.release();
        } catch (FrameGrabber.Exception e) {
            // closing a broken connection; nothing to report beyond the error that got us here
        }
    }
}
