package org.vigil.recorder.service;

import java.nio.file.Files;
import java.nio.file.Path;
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
import org.bytedeco.javacpp.Loader;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.StreamParams;
import org.vigil.contracts.Topics;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.devstack.testing.TestClips;
import org.vigil.recorder.bench.BenchClip;

/**
 * Passthrough throughput: how fast the recorder's write path (AVI muxer, frame index, flushes, fsync and SHA-256 at each
 * segment) turns 1080p15 packets into 60 s segments, against
 * {@code ffmpeg -i clip.ts -c copy -f segment -segment_time 60 seg%03d.avi} on the same stream, followed by an fsync of
 * each file it wrote, so both sides end with the footage durable. Goal: ratio ≥ 0.9. ffmpeg's figure without the
 * fsync is printed too: at these speeds it measures the page cache, not the recorder. The whole service path, with
 * the packets consumed from Kafka (a broker in this JVM, on the same two cores), is printed beside it: the Kafka hop is
 * the architecture's cost, which ffmpeg reading a local file does not pay.
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
        double bestFf = 0;
        double bestFfDurable = 0;
        for (int run = 0; run < 3; run++) {
            best = Math.max(best, vigil(bootstrap, camera, looped, work.resolve("vigil-" + run)));
            bestWrite = Math.max(bestWrite, write(camera, inMemory, work.resolve("write-" + run)));
            double[] ff = ffmpeg(ts, work.resolve("ffmpeg-" + run), packets.size());
            bestFf = Math.max(bestFf, ff[0]);
            bestFfDurable = Math.max(bestFfDurable, ff[1]);
        }
        double ratio = bestWrite / bestFfDurable;
        System.out.printf("ffmpeg -c copy, TS file -> AVI segments, then fsync of each:   %6.0f frames/s (best of 3)%n",
                bestFfDurable);
        System.out.printf("Vigil packets -> AVI segments + frame index, fsynced, hashed:  %6.0f frames/s  ratio %.2f%n",
                bestWrite, ratio);
        System.out.printf("Vigil the same, packets consumed from Kafka (whole service path): %6.0f frames/s  ratio %.2f"
                + "%n", best, best / bestFfDurable);
        System.out.printf("ffmpeg without the fsync (page cache only, for reference):     %6.0f frames/s%n", bestFf);
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
