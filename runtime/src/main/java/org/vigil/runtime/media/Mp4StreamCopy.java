package org.vigil.runtime.media;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_copy;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_frame;
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
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.vigil.runtime.media.Ffmpeg.checkIo;

import java.io.IOException;
import java.nio.file.Path;

import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;

/**
 * Joins the video of recorded files into one MP4 by stream copy: the packets are the originals, nothing is decoded or
 * re-encoded. The caller lays the frames out in time (a {@link FramePlan} per input); this class keeps the timestamps
 * strictly increasing and writes a fast-start MP4 (index first) that any player opens. Used by playback and by the
 * convenience copy in an export.
 *
 * <pre>{@code
 * try (Mp4StreamCopy mp4 = new Mp4StreamCopy(target)) {
 *     mp4.append(segment, (n, key) -> new Timing(start + n * frame, frame, key));
 *     mp4.finish();
 * }
 * }</pre>
 */
public final class Mp4StreamCopy implements AutoCloseable {

    /** The MP4 track's clock: 90 kHz, as for video in MPEG. */
    public static final int TIME_BASE = 90_000;

    /** Where a packet goes: its presentation time and duration in microseconds from the start of the MP4. */
    public record Timing(long ptsMicros, long durationMicros, boolean key) {
    }

    /** Leaves the packet out. */
    public static final Timing SKIP = new Timing(Long.MIN_VALUE, 0, false);
    /** Ends this input: the packet and all after it are left out. */
    public static final Timing STOP = new Timing(Long.MIN_VALUE + 1, 0, false);

    /** Decides, for the {@code n}-th video packet of an input (from 0), its {@link Timing}, {@link #SKIP} or {@link #STOP}. */
    @FunctionalInterface
    public interface FramePlan {
        Timing timing(int n, boolean key);
    }

    private final Path target;
    private final AVFormatContext out = new AVFormatContext(null);
    private final AVPacket pkt = av_packet_alloc();
    private AVStream stream;
    private long lastPts = -1;
    private long written;

    public Mp4StreamCopy(Path target) throws IOException {
        this.target = target;
        checkIo(avformat_alloc_output_context2(out, null, "mp4", target.toString()), "creating the MP4 muxer");
    }

    /**
     * Copies the video packets of {@code input} that {@code plan} keeps. The first input decides the stream's
     * parameters; later inputs must have the same codec and size (the caller checks).
     *
     * @return the packets written from this input
     */
    public long append(Path input, FramePlan plan) throws IOException {
        AVFormatContext in = new AVFormatContext(null);
        checkIo(avformat_open_input(in, input.toString(), null, null), "opening " + input.getFileName());
        long before = written;
        try {
            int video = videoStream(in, input);
            if (stream == null) {
                start(in.streams(video).codecpar());
            }
            int n = 0;
            while (av_read_frame(in, pkt) >= 0) {
                try {
                    if (pkt.stream_index() != video) {
                        continue;
                    }
                    Timing t = plan.timing(n++, (pkt.flags() & AV_PKT_FLAG_KEY) != 0);
                    if (t == STOP) {
                        break;
                    }
                    if (t != SKIP) {
                        write(t);
                    }
                } finally {
                    av_packet_unref(pkt);
                }
            }
        } finally {
            avformat_close_input(in);
        }
        return written - before;
    }

    /** Writes the MP4's index; without this the file is not playable. */
    public void finish() throws IOException {
        if (stream == null) {
            throw new IOException("no input was appended to " + target.getFileName());
        }
        checkIo(av_write_trailer(out), "finishing the MP4");
    }

    /** The packets written so far. */
    public long written() {
        return written;
    }

    @Override
    public void close() {
        av_packet_free(pkt);
        if (out.pb() != null) {
            avio_closep(out.pb());
        }
        avformat_free_context(out);
    }

    private void start(AVCodecParameters from) throws IOException {
        stream = avformat_new_stream(out, null);
        AVCodecParameters par = stream.codecpar();
        checkIo(avcodec_parameters_copy(par, from), "copying stream parameters");
        par.codec_tag(0);
        stream.time_base(av_make_q(1, TIME_BASE));
        AVIOContext pb = new AVIOContext(null);
        checkIo(avio_open(pb, target.toString(), AVIO_FLAG_WRITE), "opening " + target.getFileName());
        out.pb(pb);
        AVDictionary opts = new AVDictionary(null);
        try {
            av_dict_set(opts, "movflags", "+faststart", 0);
            checkIo(avformat_write_header(out, opts), "writing the MP4 header");
        } finally {
            av_dict_free(opts);
        }
    }

    private void write(Timing t) throws IOException {
        long pts = Math.max(lastPts + 1, t.ptsMicros() * TIME_BASE / 1_000_000);
        pkt.stream_index(stream.index());
        pkt.pts(pts).dts(pts).duration(Math.max(1, t.durationMicros() * TIME_BASE / 1_000_000)).pos(-1);
        if (t.key()) {
            pkt.flags(pkt.flags() | AV_PKT_FLAG_KEY);
        }
        checkIo(av_write_frame(out, pkt), "writing a frame");
        lastPts = pts;
        written++;
    }

    /** The first video stream; the stream's parameters are probed only where the container's header lacks them. */
    private static int videoStream(AVFormatContext in, Path file) throws IOException {
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < in.nb_streams(); i++) {
                AVCodecParameters par = in.streams(i).codecpar();
                if (par.codec_type() == AVMEDIA_TYPE_VIDEO && par.width() > 0) {
                    return i;
                }
            }
            if (pass == 0) {
                checkIo(avformat_find_stream_info(in, (AVDictionary) null), "reading " + file.getFileName());
            }
        }
        throw new IOException(file.getFileName() + " has no video stream");
    }
}
