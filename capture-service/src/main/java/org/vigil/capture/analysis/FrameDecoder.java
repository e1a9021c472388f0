package org.vigil.capture.analysis;

import static org.bytedeco.ffmpeg.global.avcodec.AVDISCARD_ALL;
import static org.bytedeco.ffmpeg.global.avcodec.AV_INPUT_BUFFER_PADDING_SIZE;
import static org.bytedeco.ffmpeg.global.avcodec.av_new_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_descriptor_get_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_GRAY8;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_move_ref;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_mallocz;
import static org.bytedeco.ffmpeg.global.swscale.SWS_AREA;
import static org.bytedeco.ffmpeg.global.swscale.sws_alloc_context;
import static org.bytedeco.ffmpeg.global.swscale.sws_free_context;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale_frame;
import static org.bytedeco.ffmpeg.presets.avutil.AVERROR_EAGAIN;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecDescriptor;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.vigil.contracts.StreamParams;
import org.vigil.runtime.media.Ffmpeg;

/**
 * Decodes a camera's packets for analysis only (the recording path never decodes). Keeps the latest picture and
 * scales it on demand to a small grey image (motion) or a JPEG (previews, snapshots). One thread, one camera.
 */
public final class FrameDecoder implements Pictures, AutoCloseable {

    private final AVCodecContext ctx;
    private final AVPacket packet = av_packet_alloc();
    /** The latest picture; receiving unreferences its target, so pictures arrive in {@link #received} first. */
    private final AVFrame frame = av_frame_alloc();
    private final AVFrame received = av_frame_alloc();
    private final Scaler grayScaler = new Scaler(AV_PIX_FMT_GRAY8);
    private final Scaler bgrScaler = new Scaler(AV_PIX_FMT_BGR24);
    private boolean hasFrame;

    public FrameDecoder(StreamParams params) {
        // codec names are FFmpeg's descriptor names (what avcodec_get_name gives), not always a decoder's name
        AVCodecDescriptor descriptor = avcodec_descriptor_get_by_name(params.codec());
        AVCodec codec = descriptor == null ? null : avcodec_find_decoder(descriptor.id());
        if (codec == null) {
            close();
            throw new IllegalArgumentException("no decoder for codec " + params.codec());
        }
        ctx = avcodec_alloc_context3(codec);
        // one thread per camera keeps its cost predictable; the deblocking filter only polishes edges for the eye,
        // which motion analysis does not need, and skipping it saves a fifth to a third of H.264 decoding
        ctx.width(params.width()).height(params.height()).thread_count(1).skip_loop_filter(AVDISCARD_ALL);
        if (params.extradata().length > 0) {
            BytePointer extra = new BytePointer(av_mallocz(params.extradata().length + AV_INPUT_BUFFER_PADDING_SIZE));
            extra.put(params.extradata());
            ctx.extradata(extra).extradata_size(params.extradata().length);
        }
        int rc = avcodec_open2(ctx, codec, (org.bytedeco.ffmpeg.avutil.AVDictionary) null);
        if (rc < 0) {
            close();
            throw new IllegalArgumentException("cannot open the " + params.codec() + " decoder: " + Ffmpeg.error(rc));
        }
    }

    /**
     * Feeds one packet.
     *
     * @return true when a new picture came out of it
     */
    public boolean decode(byte[] data) {
        return decode(data, null);
    }

    /**
     * Feeds one packet and calls {@code onPicture} for every picture that comes out (a packet may hold two, e.g.
     * packed B-frames); during the call the new picture is the latest one.
     *
     * @return true when at least one picture came out
     */
    public boolean decode(byte[] data, Runnable onPicture) {
        Ffmpeg.check(av_new_packet(packet, data.length), "av_new_packet");
        packet.data().put(data);
        int rc = avcodec_send_packet(ctx, packet);
        av_packet_unref(packet);
        if (rc < 0 && rc != AVERROR_EAGAIN()) {
            return false; // a corrupt packet: the decoder recovers at the next key frame
        }
        return drain(onPicture);
    }

    /** Signals the end of the stream and drains the pictures the decoder still holds. */
    public void flush(Runnable onPicture) {
        avcodec_send_packet(ctx, null);
        drain(onPicture);
    }

    private boolean drain(Runnable onPicture) {
        boolean got = false;
        while (avcodec_receive_frame(ctx, received) == 0) {
            av_frame_unref(frame);
            av_frame_move_ref(frame, received);
            hasFrame = true;
            got = true;
            if (onPicture != null) {
                onPicture.run();
            }
        }
        return got;
    }

    public boolean hasFrame() {
        return hasFrame;
    }

    /** The latest picture as grey, {@code width} wide, height in proportion (even). */
    @Override
    public GrayImage gray(int width) {
        requireFrame();
        AVFrame g = grayScaler.scale(frame, width);
        int w = g.width();
        int h = g.height();
        byte[] px = new byte[w * h];
        BytePointer data = g.data(0);
        int stride = g.linesize(0);
        if (stride == w) {
            data.get(px);
        } else {
            for (int y = 0; y < h; y++) {
                data.position((long) y * stride).get(px, y * w, w);
            }
        }
        return new GrayImage(px, w, h);
    }

    /** The latest picture in colour (BGR), {@code width} wide (never upscaled). */
    @Override
    public BgrImage bgr(int width) {
        requireFrame();
        AVFrame b = bgrScaler.scale(frame, width);
        int w = b.width();
        int h = b.height();
        byte[] px = new byte[w * h * 3];
        BytePointer data = b.data(0);
        int stride = b.linesize(0);
        for (int y = 0; y < h; y++) {
            data.position((long) y * stride).get(px, y * w * 3, w * 3);
        }
        data.position(0);
        return new BgrImage(px, w, h);
    }

    /** The latest picture as a JPEG, {@code width} wide (never upscaled). */
    public byte[] jpeg(int width, int quality) {
        requireFrame();
        AVFrame b = bgrScaler.scale(frame, width);
        try (Mat bgr = new Mat(b.height(), b.width(), CV_8UC3, b.data(0), b.linesize(0));
                BytePointer out = new BytePointer();
                IntPointer opts = new IntPointer(IMWRITE_JPEG_QUALITY, quality)) {
            imencode(".jpg", bgr, out, opts);
            byte[] jpeg = new byte[(int) out.limit()];
            out.get(jpeg);
            return jpeg;
        }
    }

    /** Scales a decoded picture to one pixel format at a given width, reusing its context and buffer. */
    private static final class Scaler implements AutoCloseable {
        private final int format;
        private final SwsContext sws = sws_alloc_context();
        private AVFrame dst;

        Scaler(int format) {
            this.format = format;
            sws.flags(SWS_AREA).threads(1);
        }

        AVFrame scale(AVFrame src, int width) {
            int w = Math.min(width, src.width()) & ~1;
            int h = Math.max(2, (int) Math.round(src.height() * (double) w / src.width()) & ~1);
            if (dst == null || dst.width() != w || dst.height() != h) {
                av_frame_free(dst);
                dst = av_frame_alloc();
                dst.format(format).width(w).height(h);
                Ffmpeg.check(av_frame_get_buffer(dst, 0), "av_frame_get_buffer");
            }
            Ffmpeg.check(sws_scale_frame(sws, dst, src), "sws_scale_frame");
            return dst;
        }

        @Override
        public void close() {
            av_frame_free(dst);
            sws_free_context(sws);
        }
    }

    private void requireFrame() {
        if (!hasFrame) {
            throw new IllegalStateException("no picture decoded yet");
        }
    }

    @Override
    public void close() {
        if (ctx != null) {
            avcodec_free_context(ctx);
        }
        av_packet_free(packet);
        av_frame_free(frame);
        av_frame_free(received);
        grayScaler.close();
        bgrScaler.close();
    }
}
