package org.vigil.export.service;

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
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.vigil.export.Evidence;

/**
 * The optional convenience copy in a package: one camera's segments joined into a single MP4 that any player opens,
 * by stream copy (the packets are the originals'; nothing is decoded or re-encoded). Timestamps are laid out from each
 * segment's start time and its frame count, so gaps between segments stay gaps. The originals remain the evidence;
 * the manifest covers both.
 */
public final class Mp4Copy {

    private static final int TIME_BASE = 90_000;

    private Mp4Copy() {
    }

    /**
     * Writes {@code segments} (one camera, oldest first) to {@code target}.
     *
     * @return the frames written
     */
    public static long write(List<Evidence.Segment> segments, Path target) throws IOException {
        AVFormatContext oc = new AVFormatContext(null);
        check(avformat_alloc_output_context2(oc, null, "mp4", target.toString()), "creating the MP4 muxer");
        AVPacket pkt = av_packet_alloc();
        AVDictionary opts = new AVDictionary(null);
        long written = 0;
        try {
            AVStream out = null;
            long start = segments.get(0).startedAt().toEpochMilli() * 1000;
            long lastPts = -1;
            for (Evidence.Segment s : segments) {
                Path file = Path.of(s.root()).resolve(s.path());
                AVFormatContext in = new AVFormatContext(null);
                check(avformat_open_input(in, file.toString(), null, null), "opening " + s.path());
                try {
                    check(avformat_find_stream_info(in, (AVDictionary) null), "reading " + s.path());
                    int video = videoStream(in);
                    if (out == null) {
                        out = avformat_new_stream(oc, null);
                        AVCodecParameters par = out.codecpar();
                        check(avcodec_parameters_copy(par, in.streams(video).codecpar()), "copying stream parameters");
                        par.codec_tag(0);
                        out.time_base(av_make_q(1, TIME_BASE));
                        AVIOContext pb = new AVIOContext(null);
                        check(avio_open(pb, target.toString(), AVIO_FLAG_WRITE), "opening " + target.getFileName());
                        oc.pb(pb);
                        av_dict_set(opts, "movflags", "+faststart", 0);
                        check(avformat_write_header(oc, opts), "writing the MP4 header");
                    }
                    long segStart = s.startedAt().toEpochMilli() * 1000 - start;
                    long frameMicros = Math.max(1, Duration.between(s.startedAt(), s.endedAt()).toNanos() / 1000
                            / Math.max(1, s.frames()));
                    long n = 0;
                    while (av_read_frame(in, pkt) >= 0) {
                        try {
                            if (pkt.stream_index() != video) {
                                continue;
                            }
                            long pts = Math.max(lastPts + 1, (segStart + n * frameMicros) * TIME_BASE / 1_000_000);
                            boolean key = (pkt.flags() & AV_PKT_FLAG_KEY) != 0;
                            pkt.stream_index(out.index());
                            pkt.pts(pts).dts(pts).duration(Math.max(1, frameMicros * TIME_BASE / 1_000_000)).pos(-1);
                            if (key) {
                                pkt.flags(pkt.flags() | AV_PKT_FLAG_KEY);
                            }
                            check(av_write_frame(oc, pkt), "writing a frame");
                            lastPts = pts;
                            n++;
                            written++;
                        } finally {
                            av_packet_unref(pkt);
                        }
                    }
                } finally {
                    avformat_close_input(in);
                }
            }
            check(av_write_trailer(oc), "finishing the MP4");
        } finally {
            av_dict_free(opts);
            av_packet_free(pkt);
            if (oc.pb() != null) {
                avio_closep(oc.pb());
            }
            avformat_free_context(oc);
        }
        return written;
    }

    private static int videoStream(AVFormatContext in) throws IOException {
        for (int i = 0; i < in.nb_streams(); i++) {
            if (in.streams(i).codecpar().codec_type() == AVMEDIA_TYPE_VIDEO) {
                return i;
            }
        }
        throw new IOException("no video stream");
    }

    private static void check(int rc, String what) throws IOException {
        if (rc < 0) {
            byte[] buf = new byte[256];
            av_strerror(rc, buf, buf.length);
            String msg = new String(buf, java.nio.charset.StandardCharsets.US_ASCII).trim().replace("\0", "");
            throw new IOException(what + " failed: " + msg);
        }
    }
}
