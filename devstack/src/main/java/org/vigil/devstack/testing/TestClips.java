package org.vigil.devstack.testing;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_new_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_flush_buffers;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.AVSEEK_FLAG_BACKWARD;
import static org.bytedeco.ffmpeg.global.avformat.av_interleaved_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_seek_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_closep;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BICUBIC;
import static org.bytedeco.ffmpeg.global.swscale.sws_alloc_context;
import static org.bytedeco.ffmpeg.global.swscale.sws_free_context;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale_frame;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Video for tests, made and checked in-process with FFmpeg's libraries (no ffmpeg program: its device support
 * drags in PulseAudio, which a server has no reason to carry), so the core suite needs no third-party footage.
 * Clips are H.264 Constrained Baseline (libopenh264) in Annex B, as many IP cameras send.
 */
public final class TestClips {

    private TestClips() {
    }

    /** One packet of a clip, as a demuxer returns it. */
    public record ClipPacket(byte[] data, boolean keyFrame) {
    }

    /**
     * The packets of a video stream and what a decoder needs: codec (FFmpeg name), set-up bytes ({@code extradata},
     * empty for in-band parameters), size and nominal frame rate (0 when unknown).
     */
    public record Clip(List<ClipPacket> packets, String codec, byte[] extradata, int width, int height,
            double frameRate) {
    }

    /**
     * Encodes {@code seconds} of a moving pattern (a gradient and a bright square crossing it) at {@code fps}, with
     * a key frame every {@code gop} frames.
     */
    public static Clip h264(int seconds, int fps, int width, int height, int gop) {
        return encode(seconds, fps, width, height, gop, TestClips::draw);
    }

    /**
     * Encodes {@code seconds} of a square pacing back and forth across the left half of a flat grey picture, a pass
     * every second, never still: motion that goes on for the whole clip, only in the left half. The square is
     * {@code contrast} grey levels brighter than the background, so a faint one (about 20) is seen by a sensitive
     * detector and not by an insensitive one.
     */
    public static Clip pacing(int seconds, int fps, int width, int height, int gop, int contrast) {
        return encode(seconds, fps, width, height, gop, (f, i, n) -> drawPacing(f, i, fps, contrast));
    }

    private interface Drawer {
        AVFrame draw(AVFrame frame, int i, int n);
    }

    private static Clip encode(int seconds, int fps, int width, int height, int gop, Drawer drawer) {
        AVCodec codec = avcodec_find_encoder_by_name("libopenh264");
        if (codec == null) {
            throw new IllegalStateException("this FFmpeg build has no libopenh264 encoder");
        }
        AVCodecContext enc = avcodec_alloc_context3(codec);
        AVFrame frame = av_frame_alloc();
        AVPacket pkt = av_packet_alloc();
        try {
            enc.width(width).height(height).pix_fmt(AV_PIX_FMT_YUV420P).time_base(av_make_q(1, fps))
                    .framerate(av_make_q(fps, 1)).gop_size(gop).max_b_frames(0).bit_rate(500_000L).thread_count(1);
            check(avcodec_open2(enc, codec, (org.bytedeco.ffmpeg.avutil.AVDictionary) null), "opening libopenh264");
            frame.format(AV_PIX_FMT_YUV420P).width(width).height(height);
            check(av_frame_get_buffer(frame, 32), "av_frame_get_buffer");
            List<ClipPacket> packets = new ArrayList<>();
            int n = seconds * fps;
            for (int i = 0; i <= n; i++) {
                check(avcodec_send_frame(enc, i < n ? drawer.draw(frame, i, n) : null), "encoding frame " + i);
                while (avcodec_receive_packet(enc, pkt) == 0) {
                    byte[] b = new byte[pkt.size()];
                    pkt.data().get(b);
                    packets.add(new ClipPacket(b, (pkt.flags() & AV_PKT_FLAG_KEY) != 0));
                    av_packet_unref(pkt);
                }
            }
            return new Clip(List.copyOf(packets), "h264", new byte[0], width, height, fps);
        } finally {
            av_packet_free(pkt);
            av_frame_free(frame);
            avcodec_free_context(enc);
        }
    }

    /** Film grain for {@link #reencode}: a table of random levels read from a random place for each row. */
    private static final class Grain {
        private final byte[] table = new byte[1 << 20];
        private final byte[] row;
        private final java.util.SplittableRandom random = new java.util.SplittableRandom(23);

        Grain(int width, int amplitude) {
            row = new byte[width];
            for (int i = 0; i < table.length; i++) {
                table[i] = (byte) (random.nextInt(2 * amplitude + 1) - amplitude);
            }
        }

        void apply(AVFrame f) {
            org.bytedeco.javacpp.BytePointer y = f.data(0);
            int w = f.width();
            long stride = f.linesize(0);
            for (int r = 0; r < f.height(); r++) {
                y.position(r * stride).get(row, 0, w);
                int at = random.nextInt(table.length - w);
                for (int i = 0; i < w; i++) {
                    row[i] = (byte) Math.max(16, Math.min(235, (row[i] & 0xff) + table[at + i]));
                }
                y.position(r * stride).put(row, 0, w);
            }
            y.position(0);
        }
    }

    /**
     * Re-encodes the first video stream of {@code file} to H.264 at another size and rate (frames are taken in
     * order and re-timed to {@code fps}; the source is played again from its start until {@code maxFrames}): real
     * footage at a resolution and length the media folder lacks, e.g. 1080p for minutes.
     */
    public static Clip reencode(Path file, int width, int height, int fps, int gop, int maxFrames) throws IOException {
        return reencode(file, width, height, fps, gop, maxFrames, width * height * 2L);
    }

    /** As {@link #reencode(Path, int, int, int, int, int)}, at {@code bitRate} bits a second. */
    public static Clip reencode(Path file, int width, int height, int fps, int gop, int maxFrames, long bitRate)
            throws IOException {
        return reencode(file, width, height, fps, gop, maxFrames, bitRate, 0);
    }

    /**
     * As above, with film grain of {@code grain} levels (0: none) added to the picture's luma, different in every
     * frame: clean footage compresses to a fraction of a high bit rate, grainy footage uses all of it (a camera at
     * night, or one with its bit rate turned up).
     */
    public static Clip reencode(Path file, int width, int height, int fps, int gop, int maxFrames, long bitRate,
            int grain) throws IOException {
        Grain noise = grain > 0 ? new Grain(width, grain) : null;
        AVFormatContext fmt = open(file);
        AVCodec encoder = avcodec_find_encoder_by_name("libopenh264");
        AVCodecContext dec = null;
        AVCodecContext enc = avcodec_alloc_context3(encoder);
        AVPacket in = av_packet_alloc();
        AVPacket outPkt = av_packet_alloc();
        AVFrame decoded = av_frame_alloc();
        AVFrame scaled = av_frame_alloc();
        SwsContext sws = sws_alloc_context();
        List<ClipPacket> packets = new ArrayList<>();
        try {
            int video = videoStream(fmt, file);
            AVCodecParameters par = fmt.streams(video).codecpar();
            AVCodec codec = avcodec_find_decoder(par.codec_id());
            dec = avcodec_alloc_context3(codec);
            avcodec_parameters_to_context(dec, par);
            check(avcodec_open2(dec, codec, (org.bytedeco.ffmpeg.avutil.AVDictionary) null), "opening the decoder");
            enc.width(width).height(height).pix_fmt(AV_PIX_FMT_YUV420P).time_base(av_make_q(1, fps))
                    .framerate(av_make_q(fps, 1)).gop_size(gop).max_b_frames(0).bit_rate(bitRate)
                    .thread_count(1);
            check(avcodec_open2(enc, encoder, (org.bytedeco.ffmpeg.avutil.AVDictionary) null), "opening libopenh264");
            scaled.format(AV_PIX_FMT_YUV420P).width(width).height(height);
            check(av_frame_get_buffer(scaled, 32), "av_frame_get_buffer");
            sws.flags(SWS_BICUBIC);
            long n = 0;
            while (n < maxFrames) {
                if (av_read_frame(fmt, in) < 0) {
                    long before = n;
                    avcodec_send_packet(dec, null);
                    while (avcodec_receive_frame(dec, decoded) == 0 && n < maxFrames) {
                        check(av_frame_make_writable(scaled), "av_frame_make_writable");
                        check(sws_scale_frame(sws, scaled, decoded), "scaling");
                        if (noise != null) {
                            noise.apply(scaled);
                        }
                        scaled.pts(n++);
                        check(avcodec_send_frame(enc, scaled), "encoding");
                        drainEncoder(enc, outPkt, packets);
                    }
                    if (n == 0 && before == 0) {
                        throw new IOException(file + " has no decodable video");
                    }
                    check(av_seek_frame(fmt, -1, 0, AVSEEK_FLAG_BACKWARD), "rewinding " + file);
                    avcodec_flush_buffers(dec);
                    continue;
                }
                if (in.stream_index() == video && avcodec_send_packet(dec, in) >= 0) {
                    while (avcodec_receive_frame(dec, decoded) == 0 && n < maxFrames) {
                        check(av_frame_make_writable(scaled), "av_frame_make_writable");
                        check(sws_scale_frame(sws, scaled, decoded), "scaling");
                        if (noise != null) {
                            noise.apply(scaled);
                        }
                        scaled.pts(n++);
                        check(avcodec_send_frame(enc, scaled), "encoding");
                        drainEncoder(enc, outPkt, packets);
                    }
                }
                av_packet_unref(in);
            }
            avcodec_send_frame(enc, null);
            drainEncoder(enc, outPkt, packets);
            return new Clip(List.copyOf(packets), "h264", new byte[0], width, height, fps);
        } finally {
            sws_free_context(sws);
            av_frame_free(scaled);
            av_frame_free(decoded);
            av_packet_free(outPkt);
            av_packet_free(in);
            avcodec_free_context(enc);
            if (dec != null) {
                avcodec_free_context(dec);
            }
            avformat_close_input(fmt);
        }
    }

    private static void drainEncoder(AVCodecContext enc, AVPacket pkt, List<ClipPacket> into) {
        while (avcodec_receive_packet(enc, pkt) == 0) {
            byte[] b = new byte[pkt.size()];
            pkt.data().get(b);
            into.add(new ClipPacket(b, (pkt.flags() & AV_PKT_FLAG_KEY) != 0));
            av_packet_unref(pkt);
        }
    }

    private static AVFrame drawPacing(AVFrame f, int i, int fps, int contrast) {
        check(av_frame_make_writable(f), "av_frame_make_writable");
        int w = f.width();
        int h = f.height();
        int box = Math.max(8, h / 3);
        int span = Math.max(1, w / 2 - box);
        int step = i % (2 * fps); // there in one second, back in the next
        int bx = (int) ((long) span * (step < fps ? step : 2 * fps - step) / fps);
        int by = (h - box) / 2;
        byte[] row = new byte[w];
        for (int r = 0; r < h; r++) {
            for (int x = 0; x < w; x++) {
                boolean inBox = x >= bx && x < bx + box && r >= by && r < by + box;
                row[x] = (byte) (inBox ? 100 + contrast : 100);
            }
            f.data(0).position((long) r * f.linesize(0)).put(row, 0, w);
        }
        f.data(0).position(0);
        neutralChroma(f);
        f.pts(i);
        return f;
    }

    private static void neutralChroma(AVFrame f) {
        for (int plane = 1; plane <= 2; plane++) {
            BytePointer p = f.data(plane);
            int cls = f.linesize(plane);
            byte[] c = new byte[f.width() / 2];
            java.util.Arrays.fill(c, (byte) 128);
            for (int r = 0; r < f.height() / 2; r++) {
                p.position((long) r * cls).put(c, 0, f.width() / 2);
            }
            p.position(0);
        }
    }

    private static AVFrame draw(AVFrame f, int i, int n) {
        check(av_frame_make_writable(f), "av_frame_make_writable");
        int w = f.width();
        int h = f.height();
        BytePointer y = f.data(0);
        int ls = f.linesize(0);
        int box = Math.max(8, h / 4);
        int bx = (int) ((long) (w - box) * i / Math.max(1, n - 1));
        int by = (h - box) / 2;
        byte[] row = new byte[w];
        for (int r = 0; r < h; r++) {
            for (int x = 0; x < w; x++) {
                boolean inBox = x >= bx && x < bx + box && r >= by && r < by + box;
                row[x] = (byte) (inBox ? 235 : 40 + (x + r) * 120 / (w + h));
            }
            y.position((long) r * ls).put(row, 0, w);
        }
        y.position(0);
        for (int plane = 1; plane <= 2; plane++) {
            BytePointer p = f.data(plane);
            int cls = f.linesize(plane);
            byte[] c = new byte[w / 2];
            java.util.Arrays.fill(c, (byte) (plane == 1 ? 110 : 140));
            for (int r = 0; r < h / 2; r++) {
                p.position((long) r * cls).put(c, 0, w / 2);
            }
            p.position(0);
        }
        f.pts(i);
        return f;
    }

    /** Writes a clip's packets back to back: a raw Annex B {@code .h264} file that FFmpeg (and GStreamer) can read. */
    public static Path write(Clip clip, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            for (ClipPacket p : clip.packets()) {
                out.write(p.data());
            }
        }
        return file;
    }

    /**
     * Writes an H.264 clip as MPEG-TS with timestamps at {@code fps}, the container GStreamer's RTSP server streams
     * from in tests.
     */
    public static Path writeTs(Clip clip, double fps, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        AVFormatContext oc = new AVFormatContext(null);
        check(avformat_alloc_output_context2(oc, null, "mpegts", file.toString()), "creating the MPEG-TS muxer");
        AVPacket pkt = av_packet_alloc();
        try {
            AVStream st = avformat_new_stream(oc, null);
            st.codecpar().codec_type(AVMEDIA_TYPE_VIDEO).codec_id(AV_CODEC_ID_H264).width(clip.width())
                    .height(clip.height());
            st.time_base(av_make_q(1, 90000));
            AVIOContext pb = new AVIOContext(null);
            check(avio_open(pb, file.toString(), AVIO_FLAG_WRITE), "opening " + file);
            oc.pb(pb);
            check(avformat_write_header(oc, (org.bytedeco.ffmpeg.avutil.AVDictionary) null), "writing the header");
            long step = Math.round(st.time_base().den() / (fps * st.time_base().num()));
            for (int i = 0; i < clip.packets().size(); i++) {
                ClipPacket p = clip.packets().get(i);
                check(av_new_packet(pkt, p.data().length), "av_new_packet");
                pkt.data().put(p.data());
                pkt.stream_index(0).pts(i * step).dts(i * step).duration(step);
                if (p.keyFrame()) {
                    pkt.flags(pkt.flags() | AV_PKT_FLAG_KEY);
                }
                check(av_interleaved_write_frame(oc, pkt), "writing packet " + i);
            }
            check(av_write_trailer(oc), "writing the trailer");
            avio_closep(oc.pb());
        } finally {
            av_packet_free(pkt);
            avformat_free_context(oc);
        }
        return file;
    }

    /** Demuxes {@code file} without decoding (as capture does with a camera). */
    public static Clip packets(Path file) throws IOException {
        AVFormatContext fmt = open(file);
        AVPacket pkt = av_packet_alloc();
        try {
            int video = videoStream(fmt, file);
            AVCodecParameters par = fmt.streams(video).codecpar();
            byte[] extra = new byte[Math.max(0, par.extradata_size())];
            if (extra.length > 0) {
                par.extradata().get(extra);
            }
            List<ClipPacket> packets = new ArrayList<>();
            while (av_read_frame(fmt, pkt) >= 0) {
                if (pkt.stream_index() == video) {
                    byte[] b = new byte[pkt.size()];
                    pkt.data().get(b);
                    packets.add(new ClipPacket(b, (pkt.flags() & AV_PKT_FLAG_KEY) != 0));
                }
                av_packet_unref(pkt);
            }
            var rate = fmt.streams(video).avg_frame_rate();
            return new Clip(packets, avcodec_get_name(par.codec_id()).getString(), extra, par.width(), par.height(),
                    rate.den() == 0 ? 0 : rate.num() / (double) rate.den());
        } finally {
            av_packet_free(pkt);
            avformat_close_input(fmt);
        }
    }

    /**
     * Decodes every frame of the first video stream of {@code file} and returns how many there were.
     *
     * @throws IOException when a packet does not decode
     */
    public static long decodedFrames(Path file) throws IOException {
        return decodedFrameTimes(file).size();
    }

    /**
     * Decodes every frame of the first video stream of {@code file} and returns each frame's presentation time in
     * seconds, in presentation order.
     *
     * @throws IOException when a packet does not decode
     */
    public static List<Double> decodedFrameTimes(Path file) throws IOException {
        AVFormatContext fmt = open(file);
        AVPacket pkt = av_packet_alloc();
        AVFrame frame = av_frame_alloc();
        AVCodecContext dec = null;
        try {
            int video = videoStream(fmt, file);
            AVCodecParameters par = fmt.streams(video).codecpar();
            var tb = fmt.streams(video).time_base();
            double unit = tb.num() / (double) tb.den();
            AVCodec codec = avcodec_find_decoder(par.codec_id());
            dec = avcodec_alloc_context3(codec);
            avcodec_parameters_to_context(dec, par);
            dec.thread_count(1);
            check(avcodec_open2(dec, codec, (org.bytedeco.ffmpeg.avutil.AVDictionary) null), "opening the decoder");
            List<Double> times = new ArrayList<>();
            long packetNo = 0;
            while (av_read_frame(fmt, pkt) >= 0) {
                if (pkt.stream_index() == video) {
                    int rc = avcodec_send_packet(dec, pkt);
                    if (rc < 0) {
                        throw new IOException(file + ": packet " + packetNo + " does not decode (" + rc + ")");
                    }
                    packetNo++;
                    while (avcodec_receive_frame(dec, frame) == 0) {
                        if (frame.decode_error_flags() != 0) {
                            throw new IOException(file + ": frame " + times.size() + " decoded with errors");
                        }
                        times.add(frame.best_effort_timestamp() * unit);
                    }
                }
                av_packet_unref(pkt);
            }
            avcodec_send_packet(dec, null);
            while (avcodec_receive_frame(dec, frame) == 0) {
                times.add(frame.best_effort_timestamp() * unit);
            }
            return times;
        } finally {
            if (dec != null) {
                avcodec_free_context(dec);
            }
            av_frame_free(frame);
            av_packet_free(pkt);
            avformat_close_input(fmt);
        }
    }

    private static AVFormatContext open(Path file) throws IOException {
        AVFormatContext fmt = new AVFormatContext(null);
        if (avformat_open_input(fmt, file.toString(), null, null) < 0) {
            throw new IOException("cannot open " + file);
        }
        if (avformat_find_stream_info(fmt, (PointerPointer<?>) null) < 0) {
            avformat_close_input(fmt);
            throw new IOException("cannot read stream info of " + file);
        }
        return fmt;
    }

    private static int videoStream(AVFormatContext fmt, Path file) throws IOException {
        for (int i = 0; i < fmt.nb_streams(); i++) {
            if (fmt.streams(i).codecpar().codec_type() == AVMEDIA_TYPE_VIDEO) {
                return i;
            }
        }
        throw new IOException(file + " has no video stream");
    }

    private static void check(int rc, String what) {
        if (rc < 0) {
            throw new IllegalStateException(what + " failed (" + rc + ")");
        }
    }
}
