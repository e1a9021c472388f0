package org.vigil.devstack.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The RTSP peer other tests stand on: a clip that runs out can be watched again (tests of reconnection rely on it),
 * and {@link RtspServer#finish} counts exactly the frames a client received, then refuses new clients.
 */
class RtspServerTest {

    @TempDir
    static Path dir;
    static Path clip;

    @BeforeAll
    static void clip() throws IOException {
        assumeTrue(RtspServer.available(), RtspServer::unavailableReason);
        clip = TestClips.writeTs(TestClips.h264(2, 15, 320, 180, 15), 15, dir.resolve("two-seconds.ts"));
    }

    /** Records the stream with FFmpeg's own client until it ends; returns the frames written, -1 when it failed. */
    private static long watch(RtspServer server, String name) throws Exception {
        Path out = dir.resolve(name + ".ts");
        Process p = new ProcessBuilder(Loader.load(org.bytedeco.ffmpeg.ffmpeg.class), "-loglevel", "error", "-y",
                "-rtsp_transport", "tcp", "-i", server.url(), "-c", "copy", "-flush_packets", "1", "-f", "mpegts", out.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("FFmpeg's client ended").isTrue();
        return p.exitValue() == 0 && Files.size(out) > 0 ? TestClips.packets(out).packets().size() : -1;
    }

    @Test
    void aClipThatRanOutPlaysAgainForAClientThatReconnects() throws Exception {
        try (RtspServer server = new RtspServer(clip, SharedServers.freePort(), "/again", null, null).start()) {
            long first = watch(server, "first");
            long second = watch(server, "second");
            assertThat(first).isEqualTo(30);
            assertThat(second).as("a camera that comes back after the clip ran out").isEqualTo(30);
            assertThat(server.finish(Duration.ofSeconds(15))).as("frames sent over both plays").isEqualTo(60);
            assertThat(watch(server, "after-finish")).as("no stream once finished").isEqualTo(-1);
        }
    }

    @Test
    void finishingMidClipCountsExactlyWhatTheClientReceived() throws Exception {
        Path ten = TestClips.writeTs(TestClips.h264(10, 15, 320, 180, 15), 15, dir.resolve("ten-seconds.ts"));
        try (RtspServer server = new RtspServer(ten, SharedServers.freePort(), "/mid", null, null).start()) {
            CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> {
                try {
                    return watch(server, "mid");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Path out = dir.resolve("mid.ts");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while ((!Files.exists(out) || Files.size(out) == 0) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            long sent = server.finish(Duration.ofSeconds(15));
            assertThat(sent).as("ended before the clip did").isBetween(1L, 149L);
            assertThat(received.get(60, TimeUnit.SECONDS)).isEqualTo(sent);
        }
    }
}
