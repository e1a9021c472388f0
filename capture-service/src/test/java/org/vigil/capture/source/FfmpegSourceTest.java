package org.vigil.capture.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vigil.contracts.CameraConfig;
import org.vigil.devstack.testing.TestClips;

class FfmpegSourceTest {

    @TempDir
    Path dir;

    private static CameraConfig camera(String url) {
        return new CameraConfig(CameraConfig.VERSION, "cam1", "Cam", "hq", url, null, true, 0.5, null, null, Instant.now(),
                "test");
    }

    @Test
    void readsAFilesPacketsWithoutTouchingThem() throws Exception {
        TestClips.Clip clip = TestClips.h264(1, 25, 320, 180, 25);
        Path file = TestClips.write(clip, dir.resolve("clip.h264"));
        List<Packet> read = new ArrayList<>();
        try (FfmpegSource src = FfmpegSource.open(camera("file:" + file), 5000)) {
            assertThat(src.params().codec()).isEqualTo("h264");
            assertThat(src.params().width()).isEqualTo(320);
            try {
                while (true) {
                    read.add(src.read());
                }
            } catch (SourceException end) {
                assertThat(end.endOfFile()).as(end.getMessage()).isTrue();
            }
        }
        assertThat(read).hasSameSizeAs(clip.packets());
        for (int i = 0; i < read.size(); i++) {
            assertThat(read.get(i).data()).as("packet " + i).isEqualTo(clip.packets().get(i).data());
            assertThat(read.get(i).keyFrame()).isEqualTo(clip.packets().get(i).keyFrame());
        }
    }

    @Test
    void aRefusedConnectionIsCannotConnectAndNeverShowsThePassword() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String url = "rtsp://admin:hunter2@127.0.0.1:" + port + "/stream";
        assertThatThrownBy(() -> FfmpegSource.open(camera(url), 2000))
                .isInstanceOfSatisfying(SourceException.class,
                        e -> assertThat(e.kind()).isEqualTo(SourceException.Kind.CANNOT_CONNECT))
                .hasMessageContaining("admin:***@127.0.0.1")
                .message().doesNotContain("hunter2");
    }

    @Test
    void aServerThatNeverAnswersIsGivenUpWithinTheTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) {
            List<Socket> held = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (Exception e) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> FfmpegSource.open(camera("rtsp://127.0.0.1:" + silent.getLocalPort() + "/s"), 1000))
                    .isInstanceOf(SourceException.class);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).as("open gave up after %d ms", ms).isLessThan(5000);
        }
    }

    /**
     * A server that answers one byte every 50 ms never lets the socket's own timeout fire: only the deadline can end
     * the call (FFmpeg's interrupt callback, libc's strlen over a flag the watchdog sets, see {@link Deadline}).
     */
    @Test
    void aServerThatTricklesBytesForeverIsGivenUpAtTheDeadline() throws Exception {
        try (ServerSocket trickle = new ServerSocket(0)) {
            Thread server = new Thread(() -> {
                try (Socket s = trickle.accept()) {
                    s.getOutputStream().write("RTSP/1.0 200 OK\r\nX-Pad: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    long until = System.nanoTime() + 10_000_000_000L; // a bound, should the deadline not work
                    while (System.nanoTime() < until) {
                        s.getOutputStream().write('a');
                        s.getOutputStream().flush();
                        Thread.sleep(50);
                    }
                } catch (Exception e) {
                    // the client gave up: what the test waits for
                }
            });
            server.setDaemon(true);
            server.start();
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> FfmpegSource.open(camera("rtsp://127.0.0.1:" + trickle.getLocalPort() + "/s"), 1000))
                    .isInstanceOf(SourceException.class).hasMessageContaining("no answer within 1000 ms");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).as("open gave up after %d ms", ms).isBetween(1000L, 1000L + 4 * Watchdog.TICK_MS + 500);
            server.join(5000);
            assertThat(server.isAlive()).as("the connection was closed").isFalse();
        }
    }

    @Test
    void unsupportedSchemesAndMissingFilesAreClearErrors() {
        assertThatThrownBy(() -> FfmpegSource.open(camera("ftp://host/x"), 1000)).hasMessageContaining("unsupported");
        assertThatThrownBy(() -> FfmpegSource.open(camera("file:/nonexistent/clip.mp4"), 1000))
                .hasMessageContaining("cannot read file /nonexistent/clip.mp4");
    }
}
