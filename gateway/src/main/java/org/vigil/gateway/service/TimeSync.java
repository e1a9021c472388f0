package org.vigil.gateway.service;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.vigil.gateway.config.GatewayConfig;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * This host's clock against NTP_SERVER (SNTP, RFC 4330): {@code synced} under 5 s of offset, {@code unsynced} above,
 * {@code unknown} when no server is set or it does not answer. Evidence timestamps are only as good as this clock,
 * so the dashboard shows it and exports record it. One query at most every 30 s.
 */
@ApplicationScoped
public class TimeSync {

    /** Offset limit for "synced". */
    public static final Duration LIMIT = Duration.ofSeconds(5);
    private static final Duration CACHE = Duration.ofSeconds(30);
    private static final long NTP_EPOCH_OFFSET = 2_208_988_800L;

    /** The last measurement. */
    public record Status(String status, Long offsetMs, String server, Instant measuredAt) {
    }

    private final Optional<String> server;
    private volatile Status last;

    public TimeSync(GatewayConfig config) {
        this.server = config.ntpServer().filter(s -> !s.isBlank());
    }

    /** The current status; blocking for up to 2 s when a new measurement is due. */
    public synchronized Status status() {
        Status s = last;
        if (s != null && s.measuredAt().plus(CACHE).isAfter(Instant.now())) {
            return s;
        }
        last = measure();
        return last;
    }

    private Status measure() {
        if (server.isEmpty()) {
            return new Status("unknown", null, null, Instant.now());
        }
        String[] hostPort = server.get().split(":", 2);
        int port = hostPort.length == 2 ? Integer.parseInt(hostPort[1]) : 123;
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(2000);
            byte[] request = new byte[48];
            request[0] = 0x23; // LI 0, version 4, mode 3 (client)
            long t0 = System.currentTimeMillis();
            writeTimestamp(request, 40, t0);
            socket.send(new DatagramPacket(request, request.length, InetAddress.getByName(hostPort[0]), port));
            DatagramPacket reply = new DatagramPacket(new byte[48], 48);
            socket.receive(reply);
            long t3 = System.currentTimeMillis();
            ByteBuffer b = ByteBuffer.wrap(reply.getData());
            int stratum = b.get(1) & 0xff;
            if (stratum == 0 || (b.get(0) & 0x07) != 4) {
                return new Status("unknown", null, server.get(), Instant.now()); // kiss-o'-death or not a server
            }
            long t1 = readTimestamp(b, 32);
            long t2 = readTimestamp(b, 40);
            long offset = ((t1 - t0) + (t2 - t3)) / 2;
            return new Status(Math.abs(offset) < LIMIT.toMillis() ? "synced" : "unsynced", offset, server.get(),
                    Instant.now());
        } catch (IOException | RuntimeException e) {
            return new Status("unknown", null, server.get(), Instant.now());
        }
    }

    private static void writeTimestamp(byte[] buf, int at, long millis) {
        long seconds = millis / 1000 + NTP_EPOCH_OFFSET;
        long fraction = (millis % 1000) * 0x100000000L / 1000;
        ByteBuffer.wrap(buf, at, 8).putInt((int) seconds).putInt((int) fraction);
    }

    private static long readTimestamp(ByteBuffer b, int at) {
        long seconds = b.getInt(at) & 0xffffffffL;
        long fraction = b.getInt(at + 4) & 0xffffffffL;
        return (seconds - NTP_EPOCH_OFFSET) * 1000 + fraction * 1000 / 0x100000000L;
    }
}
