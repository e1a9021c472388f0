package org.vigil.capture.source.rtsp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vigil.capture.analysis.FrameDecoder;
import org.vigil.capture.source.FfmpegSource;
import org.vigil.capture.source.Packet;
import org.vigil.capture.source.SourceException;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.StreamParams;
import org.vigil.devstack.testing.RtspServer;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.devstack.testing.TestClips;

/**
 * Vigil's RTSP reader against GStreamer's RTSP server (a real camera's protocol) and against FFmpeg reading the same
 * server: the same pictures, byte for byte, and the same stream parameters; H.265; Basic and Digest passwords; and
 * cameras that refuse, stay silent, trickle or send a codec the reader leaves to FFmpeg.
 */
class RtspSourceTest {

    private static final String USER = "viewer";
    private static final String PASSWORD = "pa:ss w@rd";
    private static Path clip;
    private static RtspServer open;

    @TempDir
    static Path dir;

    @BeforeAll
    static void serve() throws Exception {
        assumeTrue(RtspServer.available(), RtspServer.unavailableReason());
        clip = TestClips.writeTs(TestClips.h264(4, 15, 640, 360, 15), 15, dir.resolve("clip.ts"));
        open = new RtspServer(clip, SharedServers.freePort(), "/cam", null, null).start();
    }

    @AfterAll
    static void stop() {
        if (open != null) {
            open.close();
        }
    }

    private static CameraConfig camera(String url) {
        return new CameraConfig(CameraConfig.VERSION, "cam1", "Cam", "hq", url, null, true, 0.5, null, null,
                Instant.now(), "test");
    }

    @Test
    void readsTheSamePicturesAndParametersAsFfmpeg() throws Exception {
        int n = 40;
        List<Packet> byFfmpeg = new ArrayList<>();
        StreamParams ffmpegParams;
        try (FfmpegSource s = FfmpegSource.open(camera(open.url()), 5000)) {
            ffmpegParams = s.params();
            for (int i = 0; i < n; i++) {
                byFfmpeg.add(s.read());
            }
        }
        List<Packet> byVigil = new ArrayList<>();
        StreamParams params;
        try (RtspSource s = RtspSource.open(camera(open.url()), 5000)) {
            params = s.params();
            for (int i = 0; i < n; i++) {
                byVigil.add(s.read());
            }
            assertThat(s.lostPackets()).isZero();
        }
        assertThat(params.codec()).isEqualTo("h264");
        assertThat(params.width()).isEqualTo(640);
        assertThat(params.height()).isEqualTo(360);
        assertThat(params.frameRate()).isEqualTo(15.0);
        assertThat(params.extradata()).isEqualTo(ffmpegParams.extradata());
        assertThat(params.frameRate()).isEqualTo(ffmpegParams.frameRate());
        assertThat(byVigil.get(0).keyFrame()).isTrue();
        for (int i = 0; i < n; i++) {
            Packet v = byVigil.get(i);
            Packet f = byFfmpeg.get(i);
            assertThat(v.data()).as("picture %d", i).isEqualTo(f.data());
            assertThat(v.keyFrame()).as("key frame flag of picture %d", i).isEqualTo(f.keyFrame());
            assertThat(v.pts() * v.timeBaseNum() * 90000L / v.timeBaseDen())
                    .as("time of picture %d", i)
                    .isEqualTo((f.pts() - byFfmpeg.get(0).pts()) * f.timeBaseNum() * 90000L / f.timeBaseDen());
        }
        try (FrameDecoder decoder = new FrameDecoder(params)) {
            int pictures = 0;
            for (Packet p : byVigil) {
                pictures += decoder.decode(p.data()) ? 1 : 0;
            }
            assertThat(pictures).isEqualTo(n);
        }
    }

    @Test
    void readsH265() throws Exception {
        assumeTrue(RtspServer.h265Available(), "GStreamer's x265enc is not installed");
        try (RtspServer h265 = RtspServer.h265(SharedServers.freePort(), "/hevc").start();
                RtspSource s = RtspSource.open(camera(h265.url()), 5000)) {
            assertThat(s.params().codec()).isEqualTo("hevc");
            assertThat(s.params().width()).isEqualTo(320);
            assertThat(s.params().height()).isEqualTo(180);
            assertThat(s.params().frameRate()).isEqualTo(10.0);
            int keys = 0;
            try (FrameDecoder decoder = new FrameDecoder(s.params())) {
                int pictures = 0;
                for (int i = 0; i < 25; i++) {
                    Packet p = s.read();
                    keys += p.keyFrame() ? 1 : 0;
                    pictures += decoder.decode(p.data()) ? 1 : 0;
                }
                assertThat(pictures).isEqualTo(25);
            }
            assertThat(keys).as("a key frame every 10 pictures").isBetween(2, 3);
        }
    }

    @Test
    void answersBasicAndDigestChallengesAndNamesAWrongPassword() throws Exception {
        for (boolean digest : new boolean[] {false, true}) {
            RtspServer secured = new RtspServer(clip, SharedServers.freePort(), "/secure", USER, PASSWORD);
            if (digest) {
                secured.digest();
            }
            try (RtspServer s = secured.start()) {
                // the password percent-encoded in the URL, as the capture service joins it (design 0018 §3)
                String url = s.url().replace(USER + ":" + PASSWORD + "@", USER + ":"
                        + java.net.URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8).replace("+", "%20") + "@");
                try (RtspSource src = RtspSource.open(camera(url), 5000)) {
                    assertThat(src.read().data()).isNotEmpty();
                }
                String noPassword = url.replaceFirst("//[^@]*@", "//");
                assertThatThrownBy(() -> RtspSource.open(camera(noPassword), 5000))
                        .isInstanceOfSatisfying(SourceException.class,
                                e -> assertThat(e.failure()).isEqualTo(SourceException.Cause.UNAUTHORIZED));
                String wrong = url.replaceFirst("//[^@]*@", "//" + USER + ":not-it@");
                assertThatThrownBy(() -> RtspSource.open(camera(wrong), 5000))
                        .as(digest ? "digest" : "basic")
                        .isInstanceOfSatisfying(SourceException.class,
                                e -> assertThat(e.failure()).isEqualTo(SourceException.Cause.UNAUTHORIZED))
                        .hasMessageContaining("401")
                        .message().doesNotContain("not-it");
            }
        }
    }

    @Test
    void aRefusedOrSilentCameraIsUnreachableWithinTheTimeout() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String refused = "rtsp://admin:hunter2@127.0.0.1:" + port + "/stream";
        assertThatThrownBy(() -> RtspSource.open(camera(refused), 2000))
                .isInstanceOfSatisfying(SourceException.class,
                        e -> assertThat(e.failure()).isEqualTo(SourceException.Cause.UNREACHABLE))
                .hasMessageContaining("admin:***@127.0.0.1").message().doesNotContain("hunter2");
        try (ServerSocket silent = new ServerSocket(0)) {
            List<Socket> held = new ArrayList<>();
            Thread acceptor = daemon(() -> {
                while (true) {
                    held.add(silent.accept());
                }
            });
            acceptor.start();
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> RtspSource.open(camera("rtsp://127.0.0.1:" + silent.getLocalPort() + "/s"), 1000))
                    .isInstanceOfSatisfying(SourceException.class,
                            e -> assertThat(e.failure()).isEqualTo(SourceException.Cause.UNREACHABLE))
                    .hasMessageContaining("no answer within 1000 ms");
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(900L, 3000L);
        }
    }

    /** A camera that stops sending mid-stream (its process frozen) ends the read at the timeout, not later, not never. */
    @Test
    void aCameraThatFallsSilentMidStreamIsNoSignalAtTheTimeout() throws Exception {
        try (RtspServer frozen = new RtspServer(clip, SharedServers.freePort(), "/frozen", null, null).start();
                RtspSource s = RtspSource.open(camera(frozen.url()), 1500)) {
            for (int i = 0; i < 5; i++) {
                s.read();
            }
            new ProcessBuilder("kill", "-STOP", Long.toString(frozen.pid())).start().waitFor();
            try {
                long t0 = System.nanoTime();
                assertThatThrownBy(() -> {
                    while (true) {
                        s.read(); // what the server had already sent, then nothing
                    }
                }).isInstanceOfSatisfying(SourceException.class,
                        e -> assertThat(e.kind()).isEqualTo(SourceException.Kind.NO_SIGNAL))
                        .hasMessageContaining("no answer within 1500 ms");
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(ms).as("gave up after %d ms", ms).isBetween(1400L, 2500L);
            } finally {
                new ProcessBuilder("kill", "-CONT", Long.toString(frozen.pid())).start().waitFor();
            }
        }
    }

    /** A byte every 50 ms never lets the socket's own timeout fire: the reader's deadline ends it. */
    @Test
    void aCameraThatTricklesBytesIsGivenUp() throws Exception {
        try (ServerSocket trickle = new ServerSocket(0)) {
            Thread server = daemon(() -> {
                try (Socket s = trickle.accept()) {
                    OutputStream out = s.getOutputStream();
                    out.write("RTSP/1.0 200 OK\r\nX-Pad: ".getBytes(StandardCharsets.US_ASCII));
                    long until = System.nanoTime() + 10_000_000_000L;
                    while (System.nanoTime() < until) {
                        out.write('a');
                        out.flush();
                        Thread.sleep(50);
                    }
                }
            });
            server.start();
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> RtspSource.open(camera("rtsp://127.0.0.1:" + trickle.getLocalPort() + "/s"), 1000))
                    .isInstanceOf(SourceException.class);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).as("gave up after %d ms", ms).isBetween(900L, 2000L);
            server.join(5000);
            assertThat(server.isAlive()).as("the connection was closed").isFalse();
        }
    }

    /** A camera offering another codec (here MPEG-4 Part 2) is left to FFmpeg, which reads every codec. */
    @Test
    void anotherCodecIsLeftToFfmpeg() throws Exception {
        String sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=cam\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\n"
                + "a=rtpmap:96 MP4V-ES/90000\r\na=control:track1\r\n";
        try (ServerSocket camera = new ServerSocket(0)) {
            Thread server = daemon(() -> {
                try (Socket s = camera.accept()) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                            StandardCharsets.US_ASCII));
                    OutputStream out = s.getOutputStream();
                    for (int i = 0; i < 2; i++) {
                        String request = in.readLine();
                        String cseq = "";
                        for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
                            if (h.startsWith("CSeq:")) {
                                cseq = h.substring(5).strip();
                            }
                        }
                        String body = request.startsWith("DESCRIBE") ? sdp : "";
                        out.write(("RTSP/1.0 200 OK\r\nCSeq: " + cseq + "\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY\r\n"
                                + (body.isEmpty() ? "" : "Content-Type: application/sdp\r\nContent-Length: "
                                        + body.length() + "\r\n") + "\r\n" + body).getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                }
            });
            server.start();
            assertThatThrownBy(() -> RtspSource.open(camera("rtsp://127.0.0.1:" + camera.getLocalPort() + "/s"), 2000))
                    .isInstanceOf(RtspSource.Unsupported.class).hasMessageContaining("MP4V-ES");
        }
    }

    interface Body {
        void run() throws Exception;
    }

    private static Thread daemon(Body body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Exception e) {
                // the test closed the socket, or the client went away
            }
        });
        t.setDaemon(true);
        return t;
    }
}
