package org.vigil.recorder.service;

import static org.bytedeco.ffmpeg.global.avcodec.AV_INPUT_BUFFER_PADDING_SIZE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.FF_COMPLIANCE_NORMAL;
import static org.bytedeco.ffmpeg.global.avcodec.av_new_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_descriptor_get_by_name;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.av_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_query_codec;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_closep;
import static org.bytedeco.ffmpeg.global.avformat.avio_flush;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_mallocz;

import java.io.IOException;
import java.nio.file.Path;

import org.bytedeco.ffmpeg.avcodec.AVCodecDescriptor;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.javacpp.BytePointer;
import org.vigil.contracts.StreamParams;
import org.vigil.runtime.media.Ffmpeg;

/**
 * Writes compressed packets into an AVI file with FFmpeg's muxer, never decoding or encoding. The AVI clock is
 * the nominal frame rate: packet {@code k} of the segment is frame {@code k}. Real capture times are kept by the
 * caller. {@link #finish()} writes the index and makes the file durable (fsync) before returning.
 */
public final class SegmentWriter implements AutoCloseable {

    /** The stream cannot go into an AVI file (its codec or size); not a storage problem. */
    public static final class Unsupported extends IOException {
        Unsupported(String message) {
            super(message);
        }
    }

    private final Path file;
    private AVFormatContext oc;
    private final AVStream stream;
    private final AVPacket packet = av_packet_alloc();
    private long frames;

    /**
     * @throws IOException when the file cannot be created or the codec cannot go into AVI (the message says which)
     */
    public SegmentWriter(Path file, StreamParams params, int frameRate) throws IOException {
        this.file = file;
        AVCodecDescriptor codec = avcodec_descriptor_get_by_name(params.codec());
        if (codec == null) {
            av_packet_free(packet);
            throw new Unsupported("unknown codec " + params.codec());
        }
        if (params.width() <= 0 || params.height() <= 0 || params.width() > 16384 || params.height() > 16384) {
            av_packet_free(packet);
            throw new Unsupported("unsupported picture size " + params.width() + "x" + params.height());
        }
        AVFormatContext ctx = new AVFormatContext(null);
        Ffmpeg.checkIo(avformat_alloc_output_context2(ctx, null, "avi", file.toString()), "creating the AVI muxer");
        oc = ctx;
        if (avformat_query_codec(oc.oformat(), codec.id(), FF_COMPLIANCE_NORMAL) != 1) {
            release();
            av_packet_free(packet);
            throw new Unsupported("codec " + params.codec() + " cannot be stored in AVI");
        }
        stream = avformat_new_stream(oc, null);
        AVCodecParameters par = stream.codecpar();
        par.codec_type(AVMEDIA_TYPE_VIDEO).codec_id(codec.id()).width(params.width()).height(params.height());
        if (params.extradata().length > 0) {
            BytePointer extra = new BytePointer(av_mallocz(params.extradata().length + AV_INPUT_BUFFER_PADDING_SIZE));
            extra.put(params.extradata());
            par.extradata(extra).extradata_size(params.extradata().length);
        }
        stream.time_base(av_make_q(1, frameRate));
        stream.avg_frame_rate(av_make_q(frameRate, 1));
        stream.r_frame_rate(av_make_q(frameRate, 1));
        AVIOContext pb = new AVIOContext(null);
        try {
            Ffmpeg.checkIo(avio_open(pb, file.toString(), AVIO_FLAG_WRITE), "opening " + file);
            oc.pb(pb);
            Ffmpeg.checkIo(avformat_write_header(oc, (org.bytedeco.ffmpeg.avutil.AVDictionary) null), "writing the AVI header");
        } catch (IOException e) {
            release();
            throw e;
        }
    }

    /** Appends one packet as the next frame. */
    public void write(byte[] data, boolean keyFrame) throws IOException {
        Ffmpeg.checkIo(av_new_packet(packet, data.length), "allocating a packet");
        try {
            packet.data().put(data);
            packet.stream_index(stream.index());
            // the muxer may have changed the stream time base while writing the header: count frames in it
            long ts = frames * stream.time_base().den() / (stream.time_base().num() * (long) frameRateOf());
            packet.pts(ts).dts(ts).duration(0);
            if (keyFrame) {
                packet.flags(packet.flags() | AV_PKT_FLAG_KEY);
            }
            Ffmpeg.checkIo(av_write_frame(oc, packet), "writing frame " + frames);
            checkIo("writing frame " + frames);
            frames++;
        } finally {
            av_packet_unref(packet);
        }
    }

    /** Hands what the muxer buffered to the operating system (not fsync: a process crash keeps it, a power cut may not). */
    public void flush() {
        if (oc != null && oc.pb() != null) {
            avio_flush(oc.pb());
        }
    }

    /** Throws when flushing or writing found an I/O error (a full disk shows up here, not in av_write_frame). */
    public void checkIo(String what) throws IOException {
        if (oc != null && oc.pb() != null && oc.pb().error() < 0) {
            Ffmpeg.checkIo(oc.pb().error(), what);
        }
    }

    private int frameRateOf() {
        return stream.avg_frame_rate().num() / Math.max(1, stream.avg_frame_rate().den());
    }

    public long frames() {
        return frames;
    }

    public Path file() {
        return file;
    }

    /** Writes the AVI index, closes the file and fsyncs it. */
    public void finish() throws IOException {
        try {
            Ffmpeg.checkIo(av_write_trailer(oc), "writing the AVI index");
            checkIo("writing the AVI index");
            avio_flush(oc.pb());
            checkIo("writing the AVI file");
        } finally {
            release();
        }
        SegmentFiles.fsync(file);
    }

    private void release() {
        if (oc != null) {
            if (oc.pb() != null) {
                avio_closep(oc.pb());
            }
            avformat_free_context(oc);
            oc = null;
        }
    }

    /** Abandons the file without an index (it stays on disk as it is). */
    @Override
    public void close() {
        release();
        av_packet_free(packet);
    }
}
