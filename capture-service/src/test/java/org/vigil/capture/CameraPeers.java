package org.vigil.capture;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.vigil.devstack.testing.RtspServer;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.devstack.testing.TestClips;

/**
 * Real peers for the capture service: GStreamer RTSP servers (one open, one with a password) and an HTTP server
 * with an MJPEG stream, garbage bytes and an HTML page. Registers one camera per peer through CAMERA_SOURCES, plus
 * a malformed URL and an unknown scheme.
 */
public class CameraPeers implements QuarkusTestResourceLifecycleManager {

    static final String USER = "viewer";
    static final String PASSWORD = "s3cret-pass";
    static RtspServer rtsp;
    static RtspServer secured;
    static final Path KEY = Path.of("target", "camera-peers-keys", "camera.key").toAbsolutePath();
    private static HttpServer http;
    /** The HTTP peer: {@code /mjpeg} (320x240 at 10 fps), {@code /garbage}, {@code /page}. */
    static String httpBase;
    private static volatile boolean serving = true;

    @Override
    public Map<String, String> start() {
        try {
            Path dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "camera-peers"));
            List<String> sources = new ArrayList<>();
            if (RtspServer.available()) {
                Path ts = TestClips.writeTs(TestClips.h264(60, 15, 640, 360, 15), 15, dir.resolve("rtsp-60s.ts"));
                rtsp = new RtspServer(ts, SharedServers.freePort(), "/cam", null, null).start();
                secured = new RtspServer(ts, SharedServers.freePort(), "/secure", USER, PASSWORD).start();
                sources.add("rtspcam=" + rtsp.url());
                sources.add("wrongpass=" + secured.url().replace(PASSWORD, "not-the-password"));
            }
            http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            http.createContext("/mjpeg", exchange -> {
                exchange.getResponseHeaders().add("Content-Type", "multipart/x-mixed-replace; boundary=frame");
                exchange.sendResponseHeaders(200, 0);
                try (OutputStream os = exchange.getResponseBody()) {
                    for (int i = 0; serving; i++) {
                        byte[] jpeg = jpeg(i);
                        os.write(("--frame\r\nContent-Type: image/jpeg\r\nContent-Length: " + jpeg.length + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        os.write(jpeg);
                        os.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                        os.flush();
                        Thread.sleep(100);
                    }
                } catch (IOException | InterruptedException e) {
                    // client went away
                }
            });
            http.createContext("/garbage", exchange -> {
                byte[] noise = new byte[256 * 1024];
                new Random(7).nextBytes(noise);
                exchange.sendResponseHeaders(200, noise.length);
                try (OutputStream os = exchange.getResponseBody()) {
                    os.write(noise);
                }
            });
            http.createContext("/page", exchange -> {
                byte[] page = "<html><body>not a camera</body></html>".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "text/html");
                exchange.sendResponseHeaders(200, page.length);
                try (OutputStream os = exchange.getResponseBody()) {
                    os.write(page);
                }
            });
            http.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
            http.start();
            String base = "http://127.0.0.1:" + http.getAddress().getPort();
            httpBase = base;
            sources.add("mjpegcam=" + base + "/mjpeg");
            sources.add("garbage=" + base + "/garbage");
            sources.add("webpage=" + base + "/page");
            sources.add("nohost=rtsp://:554/");
            org.vigil.capture.bench.Media.file(org.vigil.capture.bench.Pets2009.VIDEO)
                    .ifPresent(pets -> sources.add("pets=file:" + pets));
            sources.add("ftp://user:pw@example/x");
            Map<String, String> cfg = new HashMap<>();
            cfg.put("vigil.capture.camera-sources", String.join(",", sources));
            cfg.put("vigil.capture.rtsp-timeout-ms", "2000");
            cfg.put("vigil.capture.rtsp-reconnect-sec", "1");
            cfg.put("vigil.capture.status-interval", "1s");
            cfg.put("vigil.capture.site", "peers");
            // the key the gateway seals camera passwords with: capture opens them with the same file
            org.vigil.runtime.secrets.CameraKey.createOrLoad(KEY);
            cfg.put("vigil.capture.camera-key-file", KEY.toString());
            return cfg;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the camera peers", e);
        }
    }

    /** A 320x240 JPEG with a box that moves across. */
    static byte[] jpeg(int i) {
        try (Mat m = new Mat(240, 320, CV_8UC3, new Scalar(90, 90, 90, 0)); BytePointer buf = new BytePointer()) {
            int x = (i * 6) % 300;
            rectangle(m, new Point(x, 90), new Point(x + 30, 170), new Scalar(230, 230, 230, 0), -1, 8, 0);
            imencode(".jpg", m, buf);
            byte[] out = new byte[(int) buf.limit()];
            buf.get(out);
            return out;
        }
    }

    @Override
    public void stop() {
        serving = false;
        if (http != null) {
            http.stop(0);
        }
        if (rtsp != null) {
            rtsp.close();
        }
        if (secured != null) {
            secured.close();
        }
    }
}
