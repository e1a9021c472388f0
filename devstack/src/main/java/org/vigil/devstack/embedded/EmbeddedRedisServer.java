package org.vigil.devstack.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.vigil.runtime.process.ProcessTree;
import redis.embedded.core.ExecutableProvider;

/**
 * A real redis-server (the binary shipped in embedded-redis), started as a child process in its own session so a
 * Ctrl-C in the terminal reaches only the launcher, which stops the services before Redis. Pub/sub only: no
 * snapshots, no append-only file.
 */
public final class EmbeddedRedisServer implements AutoCloseable, Restartable {

    private final Path workDir;
    private final int port;
    private final Path logFile;
    private final ChildProcesses children;
    private Process process;

    public EmbeddedRedisServer(Path workDir, int port, Path logFile, ChildProcesses children) {
        this.workDir = workDir;
        this.port = port;
        this.logFile = logFile;
        this.children = children;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public synchronized void start() throws IOException {
        Files.createDirectories(workDir);
        String binary = ExecutableProvider.newJarResourceProvider().get().getAbsolutePath();
        List<String> cmd = new ArrayList<>(List.of(binary,
                "--port", Integer.toString(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", workDir.toAbsolutePath().toString(),
                "--protected-mode", "yes",
                // its background tasks (expiring keys nobody reads, client housekeeping) once a second, not ten times:
                // Vigil's Redis carries pub/sub and short-lived keys, which expire on access all the same; idle, it
                // cost 0.23 % of a core (design 0029)
                "--hz", "1"));
        process = children.start("redis", cmd, java.util.Map.of(), logFile);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!ping(port, Duration.ofMillis(300))) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with code " + process.exitValue() + "; see " + logFile);
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("redis-server did not answer PING within 15 s; see " + logFile);
            }
            sleep(50);
        }
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public synchronized Optional<ProcessHandle> process() {
        return process == null || !process.isAlive() ? Optional.empty() : Optional.of(process.toHandle());
    }

    @Override
    public synchronized void restart() throws IOException {
        close();
        start();
    }

    @Override
    public boolean ready() {
        return ping(port, Duration.ofSeconds(1));
    }

    /** True when a Redis server on 127.0.0.1:{@code port} answers PING with PONG. */
    public static boolean ping(int port, Duration timeout) {
        return ping("127.0.0.1", port, timeout);
    }

    public static boolean ping(String host, int port, Duration timeout) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[7];
            int n = in.readNBytes(buf, 0, 7);
            return n == 7 && new String(buf, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** SIGKILL, no shutdown: what a crash or an OOM kill does (the fault suite's Redis fault). */
    public synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly().waitFor();
            process = null;
        }
    }

    @Override
    public synchronized void close() {
        if (process != null) {
            ProcessTree.stop(process.toHandle(), Duration.ofSeconds(5));
            process = null;
        }
    }
}
