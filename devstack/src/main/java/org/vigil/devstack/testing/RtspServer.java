package org.vigil.devstack.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real RTSP peer for tests: Debian's GStreamer RTSP server run by a small script of ours, streaming a clip. Stop
 * it to make a camera drop off the network; start it again to bring the camera back.
 */
public final class RtspServer implements AutoCloseable {

    static final String PYTHON = "/usr/bin/python3";
    private static Boolean available;

    private final Path clip;
    private final int port;
    private final String mount;
    private final String user;
    private final String password;
    private Process process;
    private boolean digest;
    /** The frames the current run sent, once its clip has ended. */
    private CompletableFuture<Long> sent = new CompletableFuture<>();

    /** Serves {@code clip} (MPEG-TS with H.264) at {@code rtsp://127.0.0.1:<port><mount>}; credentials optional. */
    public RtspServer(Path clip, int port, String mount, String user, String password) {
        this.clip = clip;
        this.port = port;
        this.mount = mount;
        this.user = user;
        this.password = password;
    }

    /**
     * Whether GStreamer's RTSP server can run here (Debian packages python3-gi, gir1.2-gst-rtsp-server-1.0,
     * gstreamer1.0-plugins-{base,good,bad}); tests that need it skip with this reason when it cannot.
     */
    public static synchronized boolean available() {
        if (available == null) {
            try {
                Process p = new ProcessBuilder(PYTHON, "-c", "import gi; gi.require_version('GstRtspServer','1.0'); "
                        + "from gi.repository import Gst, GstRtspServer; Gst.init(None); "
                        + "assert Gst.ElementFactory.find('tsdemux') and Gst.ElementFactory.find('rtph264pay')")
                        .redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                available = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException e) {
                available = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                available = false;
            }
        }
        return available;
    }

    public static String unavailableReason() {
        return "GStreamer's RTSP server is not installed (apt-get install python3-gi gir1.2-gst-rtsp-server-1.0 "
                + "gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad); .ci/run installs it";
    }

    /** A camera streaming live H.265 (320x180, 10 fps) at {@code rtsp://127.0.0.1:<port><mount>}. */
    public static RtspServer h265(int port, String mount) {
        return new RtspServer(Path.of("h265:"), port, mount, null, null);
    }

    /** Whether GStreamer's H.265 encoder is here too (gstreamer1.0-plugins-bad with x265). */
    public static boolean h265Available() {
        if (!available()) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import gi; gi.require_version('Gst','1.0'); "
                    + "from gi.repository import Gst; Gst.init(None); assert Gst.ElementFactory.find('x265enc')")
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public String url() {
        return "rtsp://" + (user == null ? "" : user + ":" + password + "@") + "127.0.0.1:" + port + mount;
    }

    /** The server's process id while it runs, -1 otherwise. */
    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /** Asks for the credentials with Digest authentication only (RFC 7616), as most IP cameras do; call before {@link #start()}. */
    public synchronized RtspServer digest() {
        this.digest = true;
        return this;
    }

    /** Starts the server and waits until it accepts clients. */
    public synchronized RtspServer start() throws IOException {
        Path script = Files.createTempFile("vigil-rtsp-", ".py");
        try (InputStream in = RtspServer.class.getResourceAsStream("rtsp_server.py")) {
            Files.write(script, in.readAllBytes());
        }
        List<String> cmd = new ArrayList<>(List.of(PYTHON, script.toString(), clip.toString(), Integer.toString(port),
                mount));
        if (user != null) {
            cmd.addAll(List.of(user, password));
            if (digest) {
                cmd.add("digest");
            }
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        sent = new CompletableFuture<>();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String line;
        while ((line = out.readLine()) != null) {
            if (line.equals("ready")) {
                drain(out, sent);
                Files.deleteIfExists(script);
                return this;
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        stop();
        throw new IOException("the RTSP server did not start: " + line);
    }

    private static void drain(BufferedReader out, CompletableFuture<Long> sent) {
        Thread t = new Thread(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("eos ")) {
                        sent.complete(Long.parseLong(line.substring(4).trim()));
                    }
                    // the rest: GStreamer warnings; nobody reads them
                }
            } catch (IOException | NumberFormatException e) {
                // process gone
            } finally {
                sent.completeExceptionally(new IOException("the RTSP server ended before its clip did"));
            }
        }, "rtsp-server-output");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Ends the clip now (or waits for its end, where it has already ended): everything the server sent is still
     * delivered, and a reconnecting client finds no stream. Returns how many frames (access units) this run sent.
     */
    public long finish(Duration timeout) throws IOException, InterruptedException {
        Process p;
        CompletableFuture<Long> frames;
        synchronized (this) {
            p = process;
            frames = sent;
        }
        if (p == null) {
            throw new IllegalStateException("the RTSP server is not running");
        }
        if (!frames.isDone()) {
            new ProcessBuilder("kill", "-USR1", Long.toString(p.pid())).start().waitFor(10, TimeUnit.SECONDS);
        }
        try {
            return frames.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e);
        } catch (TimeoutException e) {
            throw new IOException("the RTSP server did not end its clip within " + timeout.toSeconds() + " s");
        }
    }

    /** Kills the server at once, as a camera losing power would drop its clients. */
    public synchronized void stop() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    @Override
    public void close() {
        stop();
    }
}
