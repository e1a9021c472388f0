package org.vigil.devstack.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.vigil.runtime.time.Sntp;

/**
 * A real NTP server for tests: Debian's chronyd serving this host's clock on a free loopback port, not touching the
 * system clock ({@code -x}). {@link #available()} says whether chronyd is installed ({@code apt-get install chrony};
 * .ci/run installs it).
 */
public final class ChronyServer implements AutoCloseable {

    private static final Path CHRONYD = Path.of("/usr/sbin/chronyd");

    private final Process process;
    private final int port;

    private ChronyServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static boolean available() {
        return Files.isExecutable(CHRONYD);
    }

    /** Starts chronyd in {@code dir} and waits until it answers NTP queries. */
    public static ChronyServer start(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        int port;
        try (DatagramSocket probe = new DatagramSocket(0)) {
            port = probe.getLocalPort();
        }
        Path conf = dir.resolve("chrony.conf");
        Files.writeString(conf, String.join("\n",
                "port " + port,
                "bindaddress 127.0.0.1",
                "allow 127.0.0.1",
                "local stratum 8", // serve this host's clock though it has no upstream source
                "cmdport 0",
                "pidfile " + dir.resolve("chronyd.pid"),
                "driftfile " + dir.resolve("drift"),
                "") );
        Process p = new ProcessBuilder(List.of(CHRONYD.toString(), "-d", "-x", "-u", "root", "-f", conf.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("chronyd.log").toFile()).start();
        ChronyServer server = new ChronyServer(p, port);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (!"synced".equals(Sntp.query(Optional.of(server.address()), Duration.ofMillis(500)).status())) {
            if (!p.isAlive() || Instant.now().isAfter(deadline)) {
                server.close();
                throw new IOException("chronyd did not answer on " + server.address() + " within 30 s: "
                        + Files.readString(dir.resolve("chronyd.log")));
            }
            Thread.sleep(200);
        }
        return server;
    }

    /** {@code 127.0.0.1:port}, as NTP_SERVER takes it. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
