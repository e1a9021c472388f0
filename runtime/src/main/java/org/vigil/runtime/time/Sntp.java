package org.vigil.runtime.time;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;

/**
 * This host's clock against an NTP server (SNTP, RFC 4330): {@code synced} under {@link #LIMIT} of offset,
 * {@code unsynced} above, {@code unknown} when no server is set or it does not answer. Evidence timestamps are only as
 * good as this clock: the dashboard shows it and every export records it.
 */
public final class Sntp {

    /** The statuses a {@link Result} carries. */
    public static final String SYNCED = "synced";
    public static final String UNSYNCED = "unsynced";
    public static final String UNKNOWN = "unknown";

    /** Offset limit for "synced". */
    public static final Duration LIMIT = Duration.ofSeconds(5);
    private static final long NTP_EPOCH_OFFSET = 2_208_988_800L;

    /** One measurement; {@code offsetMs} is null unless measured. */
    public record Result(String status, Long offsetMs, String server) {
    }

    private Sntp() {
    }

    /** Asks {@code server} ({@code host[:port]}) once, waiting at most {@code timeout}. */
    public static Result query(Optional<String> server, Duration timeout) {
        return query(server, timeout, System::currentTimeMillis);
    }

    /** The same against {@code clock} (epoch milliseconds) as this host's clock: for tests of a clock that is off. */
    public static Result query(Optional<String> server, Duration timeout, java.util.function.LongSupplier clock) {
        if (server.isEmpty() || server.get().isBlank()) {
            return new Result(UNKNOWN, null, null);
        }
        String s = server.get().trim();
        try (DatagramSocket socket = new DatagramSocket()) {
            String[] hostPort = s.split(":", 2);
            int port = hostPort.length == 2 ? Integer.parseInt(hostPort[1]) : 123;
            socket.setSoTimeout((int) timeout.toMillis());
            byte[] request = new byte[48];
            request[0] = 0x23; // LI 0, version 4, mode 3 (client)
            long t0 = clock.getAsLong();
            writeTimestamp(request, 40, t0);
            socket.send(new DatagramPacket(request, request.length, InetAddress.getByName(hostPort[0]), port));
            DatagramPacket reply = new DatagramPacket(new byte[48], 48);
            socket.receive(reply);
            long t3 = clock.getAsLong();
            ByteBuffer b = ByteBuffer.wrap(reply.getData());
            int stratum = b.get(1) & 0xff;
            if (stratum == 0 || (b.get(0) & 0x07) != 4) {
                return new Result(UNKNOWN, null, s); // kiss-o'-death, or not a server's answer
            }
            long offset = ((readTimestamp(b, 32) - t0) + (readTimestamp(b, 40) - t3)) / 2;
            return new Result(Math.abs(offset) < LIMIT.toMillis() ? SYNCED : UNSYNCED, offset, s);
        } catch (IOException | RuntimeException e) {
            return new Result(UNKNOWN, null, s);
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
