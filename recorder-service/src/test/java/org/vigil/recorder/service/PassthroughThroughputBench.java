package org.vigil.recorder.service;

import static org.bytedeco.ffmpeg.global.avcodec.AV_INPUT_BUFFER_PADDING_SIZE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
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
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_closep;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_mallocz;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.bytedeco.ffmpeg.avcodec.AVCodecDescriptor;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.StreamParams;
import org.vigil.contracts.Topics;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.devstack.testing.TestClips;
import org.vigil.recorder.bench.BenchClip;
import org.vigil.runtime.media.Ffmpeg;

/**
 * Passthrough throughput, like with like, both pairs measured in the same run and printed as ratios:
 * <ol>
 * <li><b>From memory</b> (the goal, ratio ≥ 0.9): the recorder's write path (AVI muxer, frame index, flushes, fsync and
 * SHA-256 at each segment) turning 1080p15 packets held in memory into 60 s segments, against FFmpeg's own AVI muxer
 * (libavformat, what {@code ffmpeg -c copy} runs) fed the same packets from memory into 60 s files, each fsynced: both
 * sides start from demuxed packets and end with the footage durable.</li>
 * <li><b>From a file</b>: the whole service path, the packets produced from the clip into Kafka and consumed by the
 * recorder (a broker in this JVM, on the same two cores), against
 * {@code ffmpeg -i clip.ts -c copy -f segment -segment_time 60 seg%03d.avi} reading the clip's file, each segment
 * fsynced. The Kafka hop is the architecture's cost.</li>
 * </ol>
 * ffmpeg's figure without the fsync is printed for reference: at these speeds it measures the page cache.
 */
public final class PassthroughThroughputBench {

    public static void main(String[] args) throws Exception {
        int loops = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Path work = Path.of("target", "bench-recorder").toAbsolutePath();
        Path one = BenchClip.ts(work, 30 * BenchClip.FPS);
        TestClips.Clip clip = TestClips.packets(one);
        List<TestClips.ClipPacket> packets = new ArrayList<>();
        for (int i = 0; i < loops; i++) {
            packets.addAll(clip.packets());
        }
        TestClips.Clip looped = new TestClips.Clip(packets, clip.codec(), clip.extradata(), clip.width(), clip.height(),
                BenchClip.FPS);
        Path ts = work.resolve("looped-" + loops + ".ts");
        TestClips.writeTs(looped, BenchClip.FPS, ts);
        long bytes = packets.stream().mapToLong(p -> p.data().length).sum();
        System.out.printf("stream: %d frames of %dx%d %s, %.1f MB (%.1f Mbit/s at 15 fps)%n", packets.size(),
                clip.width(), clip.height(), clip.codec(), bytes / 1e6, bytes * 8.0 / (packets.size() / 15.0) / 1e6);

        String bootstrap = SharedServers.kafka().bootstrapServers();
        String camera = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        produce(bootstrap, camera, looped);

        List<MediaPacket> inMemory = packets(camera, looped);
        double best = 0;
        double bestWrite = 0;
        double bestMux = 0;
        double bestFf = 0;
        double bestFfDurable = 0;
        for (int run = 0; run < 3; run++) { // alternating sides, so that a noisy moment hurts both
            bestMux = Math.max(bestMux, muxFromMemory(looped, work.resolve("mux-" + run)));
            bestWrite = Math.max(bestWrite, write(camera, inMemory, work.resolve("write-" + run)));
            double[] ff = ffmpeg(ts, work.resolve("ffmpeg-" + run), packets.size());
            bestFf = Math.max(bestFf, ff[0]);
            bestFfDurable = Math.max(bestFfDurable, ff[1]);
            best = Math.max(best, vigil(bootstrap, camera, looped, work.resolve("vigil-" + run)));
        }
        double ratio = bestWrite / bestMux;
        System.out.println("from memory (best of 3):");
        System.out.printf("  FFmpeg's AVI muxer, packets -> 60 s files, each fsynced:        %6.0f frames/s%n", bestMux);
        System.out.printf("  Vigil, packets -> AVI segments + frame index, fsynced, hashed:  %6.0f frames/s  ratio %.2f%n",
                bestWrite, ratio);
        System.out.println("from the clip's file (best of 3):");
        System.out.printf("  ffmpeg -c copy, TS file -> AVI segments, then fsync of each:    %6.0f frames/s%n",
                bestFfDurable);
        System.out.printf("  Vigil, file -> Kafka -> recorder (whole service path):          %6.0f frames/s  ratio %.2f%n",
                best, best / bestFfDurable);
        System.out.printf("  ffmpeg without the fsync (page cache only, for reference):      %6.0f frames/s%n", bestFf);
        System.out.printf("passthrough ratio %.2f   goal >= 0.9: %s%n", ratio, ratio >= 0.9 ? "met" : "MISSED");
        System.exit(ratio >= 0.9 ? 0 : 1);
    }

    private static void produce(String bootstrap, String camera, TestClips.Clip clip) throws Exception {
        StreamParams params = new StreamParams(clip.codec(), clip.width(), clip.height(), BenchClip.FPS, 1,
                clip.extradata());
        String session = UUID.randomUUID().toString();
        Instant t0 = Instant.now().minusSeconds(clip.packets().size() / BenchClip.FPS);
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "max.request.size", 16 << 20, "linger.ms", 20, "batch.size", 1 << 20), new StringSerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < clip.packets().size(); i++) {
                TestClips.ClipPacket cp = clip.packets().get(i);
                long wall = ChronoUnit.MICROS.between(Instant.EPOCH, t0.plusNanos(i * 1_000_000_000L / BenchClip.FPS));
                MediaPacket mp = new MediaPacket(camera, session, i, i, i, 1, BenchClip.FPS, cp.keyFrame(), wall,
                        clip.codec(), cp.keyFrame() ? params : null, cp.data());
                ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.MEDIA, camera, cp.data());
                mp.writeHeaders(r.headers());
                p.send(r);
            }
            p.flush();
        }
    }

    private static List<MediaPacket> packets(String camera, TestClips.Clip clip) {
        StreamParams params = new StreamParams(clip.codec(), clip.width(), clip.height(), BenchClip.FPS, 1,
                clip.extradata());
        List<MediaPacket> out = new ArrayList<>();
        long t0 = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
        for (int i = 0; i < clip.packets().size(); i++) {
            TestClips.ClipPacket cp = clip.packets().get(i);
            out.add(new MediaPacket(camera, "s", i, i, i, 1, BenchClip.FPS, cp.keyFrame(), t0 + i * 1_000_000L
                    / BenchClip.FPS, clip.codec(), cp.keyFrame() ? params : null, cp.data()));
        }
        return out;
    }

    /** The recorder's write path alone (what {@code -c copy} does), from packets in memory, in frames per second. */
    private static double write(String camera, List<MediaPacket> packets, Path dir) throws Exception {
        deleteTree(dir);
        Files.createDirectories(dir);
        CameraConfig config = new CameraConfig(CameraConfig.VERSION, camera, camera, "bench", "test:", null, true, 0.5,
                null, null, Instant.now(), "bench");
        CameraRecording rec = new CameraRecording(camera, Duration.ofSeconds(60), BenchClip.FPS);
        long t0 = System.nanoTime();
        long frames = 0;
        for (int i = 0; i < packets.size(); i++) {
            CameraRecording.Result res = rec.accept(packets.get(i), i, config, dir);
            if (res.closed().isPresent()) {
                frames += res.closed().get().segment().frames();
                res.closed().get().files().markAnnounced();
            }
        }
        var last = rec.close();
        if (last.isPresent()) {
            frames += last.get().segment().frames();
            last.get().files().markAnnounced();
        }
        double fps = packets.size() / ((System.nanoTime() - t0) / 1e9);
        if (frames != packets.size()) {
            throw new IllegalStateException("wrote " + frames + " frames of " + packets.size());
        }
        return fps;
    }

    /**
     * The baseline from memory: FFmpeg's AVI muxer alone, fed the packets with {@code av_write_frame} into a new file
     * every 60 s of video, each file fsynced when closed; frames per second.
     */
    private static double muxFromMemory(TestClips.Clip clip, Path dir) throws Exception {
        deleteTree(dir);
        Files.createDirectories(dir);
        int perFile = 60 * BenchClip.FPS;
        AVCodecDescriptor codec = avcodec_descriptor_get_by_name(clip.codec());
        AVPacket pkt = av_packet_alloc();
        long t0 = System.nanoTime();
        try {
            for (int first = 0; first < clip.packets().size(); first += perFile) {
                Path file = dir.resolve(String.format("seg%03d.avi", first / perFile));
                AVFormatContext oc = new AVFormatContext(null);
                Ffmpeg.checkIo(avformat_alloc_output_context2(oc, null, "avi", file.toString()), "creating the muxer");
                AVStream st = avformat_new_stream(oc, null);
                AVCodecParameters par = st.codecpar();
                par.codec_type(AVMEDIA_TYPE_VIDEO).codec_id(codec.id()).width(clip.width()).height(clip.height());
                BytePointer extra = new BytePointer(av_mallocz(clip.extradata().length + AV_INPUT_BUFFER_PADDING_SIZE));
                extra.put(clip.extradata());
                par.extradata(extra).extradata_size(clip.extradata().length);
                st.time_base(av_make_q(1, BenchClip.FPS));
                AVIOContext pb = new AVIOContext(null);
                Ffmpeg.checkIo(avio_open(pb, file.toString(), AVIO_FLAG_WRITE), "opening " + file);
                oc.pb(pb);
                Ffmpeg.checkIo(avformat_write_header(oc, (AVDictionary) null), "writing the header");
                int end = Math.min(clip.packets().size(), first + perFile);
                for (int i = first; i < end; i++) {
                    TestClips.ClipPacket cp = clip.packets().get(i);
                    Ffmpeg.checkIo(av_new_packet(pkt, cp.data().length), "allocating a packet");
                    pkt.data().put(cp.data());
                    long ts = (i - first) * (long) st.time_base().den() / (st.time_base().num() * (long) BenchClip.FPS);
                    pkt.stream_index(st.index()).pts(ts).dts(ts);
                    if (cp.keyFrame()) {
                        pkt.flags(pkt.flags() | AV_PKT_FLAG_KEY);
                    }
                    Ffmpeg.checkIo(av_write_frame(oc, pkt), "writing a frame");
                    av_packet_unref(pkt);
                }
                Ffmpeg.checkIo(av_write_trailer(oc), "writing the index");
                avio_closep(oc.pb());
                avformat_free_context(oc);
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
        } finally {
            av_packet_free(pkt);
        }
        return clip.packets().size() / ((System.nanoTime() - t0) / 1e9);
    }

    /** The recorder's path over the whole backlog, in frames per second. */
    private static double vigil(String bootstrap, String camera, TestClips.Clip clip, Path dir) throws Exception {
        deleteTree(dir);
        Files.createDirectories(dir);
        CameraConfig config = new CameraConfig(CameraConfig.VERSION, camera, camera, "bench", "test:", null, true, 0.5,
                null, null, Instant.now(), "bench");
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("max.partition.fetch.bytes", 8 << 20);
        props.put("receive.buffer.bytes", 4 << 20); // as the recorder's media consumer
        int n = clip.packets().size();
        long frames = 0;
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(Topics.MEDIA).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            CameraRecording rec = new CameraRecording(camera, Duration.ofSeconds(60), BenchClip.FPS);
            long t0 = System.nanoTime();
            long seen = 0;
            long inPoll = 0;
            long inClose = 0;
            while (seen < n) {
                long tp = System.nanoTime();
                var batch = c.poll(Duration.ofMillis(200));
                inPoll += System.nanoTime() - tp;
                for (ConsumerRecord<String, byte[]> r : batch) {
                    if (!camera.equals(r.key())) {
                        continue;
                    }
                    MediaPacket p = MediaPacket.read(r.key(), r.headers(), r.value());
                    long ta = System.nanoTime();
                    CameraRecording.Result res = rec.accept(p, r.offset(), config, dir);
                    if (res.closed().isPresent()) {
                        inClose += System.nanoTime() - ta;
                        frames += res.closed().get().segment().frames();
                        res.closed().get().files().markAnnounced();
                    }
                    seen++;
                }
            }
            var last = rec.close();
            if (last.isPresent()) {
                frames += last.get().segment().frames();
                last.get().files().markAnnounced();
            }
            double total = (System.nanoTime() - t0) / 1e9;
            double fps = n / total;
            System.out.printf("  from Kafka: %.3f s, of which waiting in poll() %.3f s, closing segments %.3f s%n", total,
                    inPoll / 1e9, inClose / 1e9);
            if (frames != n) {
                throw new IllegalStateException("wrote " + frames + " frames of " + n);
            }
            return fps;
        }
    }

    /** Frames per second of ffmpeg alone, and of ffmpeg plus an fsync of every file it wrote. */
    private static double[] ffmpeg(Path ts, Path dir, int frames) throws Exception {
        deleteTree(dir);
        Files.createDirectories(dir);
        String ffmpeg = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(ffmpeg, "-hide_banner", "-loglevel", "error", "-i", ts.toString(), "-c", "copy",
                "-f", "segment", "-segment_time", "60", "-reset_timestamps", "1", dir.resolve("seg%03d.avi").toString())
                .inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("ffmpeg failed");
        }
        double plain = frames / ((System.nanoTime() - t0) / 1e9);
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.toList()) {
                SegmentFiles.fsync(f);
            }
        }
        SegmentFiles.fsyncDirectory(dir);
        return new double[] {plain, frames / ((System.nanoTime() - t0) / 1e9)};
    }

    static void deleteTree(Path dir) throws Exception {
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
