package org.vigil.recorder.service;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.vigil.contracts.StreamParams;

/**
 * Makes a segment a crash interrupted whole again: the frames that are both in the partial video and in its frame
 * index are copied into a new, complete AVI (no decoding), which takes the final name. Frames beyond the index are
 * dropped: their packets were never committed in Kafka, so they come again.
 */
final class SegmentRecovery {

    /** What became of a partial segment. */
    record Outcome(boolean recovered, long frames, String reason) {
    }

    private SegmentRecovery() {
    }

    /** Recovers {@code files} from state 1 to state 2, or says why it cannot. Never throws for a broken file. */
    static Outcome recover(SegmentFiles files) {
        try {
            if (!Files.exists(files.partialIndex())) {
                return new Outcome(false, 0, "no frame index");
            }
            FrameIndex.Contents index = FrameIndex.read(files.partialIndex());
            if (index.frames().isEmpty()) {
                return new Outcome(false, 0, "no complete frame in the index");
            }
            List<byte[]> packets = new ArrayList<>();
            List<Boolean> keys = new ArrayList<>();
            StreamParams params = readPackets(files.partialVideo(), index.frames().size(), packets, keys);
            int n = Math.min(packets.size(), index.frames().size());
            if (n == 0 || !keys.get(0)) {
                return new Outcome(false, 0, "no readable frame starting with a key frame");
            }
            int rate = Integer.parseInt(index.header().getOrDefault("rate", "15"));
            Path tmp = files.video().resolveSibling(files.video().getFileName() + ".recover");
            Files.deleteIfExists(tmp);
            SegmentWriter w = new SegmentWriter(tmp, params, rate);
            try {
                for (int i = 0; i < n; i++) {
                    w.write(packets.get(i), keys.get(i));
                }
                w.finish();
            } finally {
                w.close();
            }
            Path idxTmp = files.partialIndex().resolveSibling(files.partialIndex().getFileName() + ".recover");
            Files.deleteIfExists(idxTmp);
            FrameIndex rewritten = new FrameIndex(idxTmp, index.header());
            for (int i = 0; i < n; i++) {
                FrameIndex.Frame f = index.frames().get(i);
                rewritten.append(f.wallMicros(), f.keyFrame(), f.seq());
            }
            rewritten.close();
            SegmentFiles.fsync(idxTmp);
            Files.move(idxTmp, files.partialIndex(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmp, files.video(), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Files.delete(files.partialVideo());
            SegmentFiles.fsyncDirectory(files.video().getParent());
            return new Outcome(true, n, null);
        } catch (IOException | RuntimeException e) {
            return new Outcome(false, 0, e.getMessage());
        }
    }

    /** Reads up to {@code max} packets of the first video stream of a (possibly unfinished) AVI. */
    private static StreamParams readPackets(Path file, int max, List<byte[]> packets, List<Boolean> keys)
            throws IOException {
        AVFormatContext fmt = new AVFormatContext(null);
        if (avformat_open_input(fmt, file.toString(), null, null) < 0) {
            throw new IOException("cannot open " + file.getFileName());
        }
        AVPacket pkt = av_packet_alloc();
        try {
            if (fmt.nb_streams() < 1) {
                throw new IOException(file.getFileName() + " has no stream");
            }
            AVCodecParameters par = fmt.streams(0).codecpar();
            byte[] extra = new byte[Math.max(0, par.extradata_size())];
            if (extra.length > 0) {
                par.extradata().get(extra);
            }
            StreamParams params = new StreamParams(avcodec_get_name(par.codec_id()).getString(), par.width(),
                    par.height(), 0, 1, extra);
            while (packets.size() < max && av_read_frame(fmt, pkt) >= 0) {
                if (pkt.stream_index() == 0 && pkt.size() > 0) {
                    byte[] b = new byte[pkt.size()];
                    pkt.data().get(b);
                    packets.add(b);
                    keys.add((pkt.flags() & AV_PKT_FLAG_KEY) != 0);
                }
                av_packet_unref(pkt);
            }
            return params;
        } finally {
            av_packet_free(pkt);
            avformat_close_input(fmt);
        }
    }
}
