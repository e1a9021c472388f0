package org.vigil.runtime.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/**
 * The SNTP arithmetic against a minimal NTP responder on loopback whose clock runs {@code skew} ahead (a fake for
 * the logic; the real chrony test belongs to the operability suite).
 */
class SntpTest {

    private static final long NTP_EPOCH_OFFSET = 2_208_988_800L;

    /** Answers one request with the local time plus {@code skew}, as a stratum-2 server. */
    private static DatagramSocket responder(Duration skew) throws Exception {
        DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try {
                DatagramPacket req = new DatagramPacket(new byte[48], 48);
                s.receive(req);
                byte[] reply = new byte[48];
                reply[0] = 0x24; // version 4, mode 4 (server)
                reply[1] = 2;
                long now = System.currentTimeMillis() + skew.toMillis();
                ByteBuffer b = ByteBuffer.wrap(reply);
                put(b, 32, now);
                put(b, 40, now);
                s.send(new DatagramPacket(reply, 48, req.getSocketAddress()));
            } catch (Exception e) {
                // closed
            }
        });
        t.setDaemon(true);
        t.start();
        return s;
    }

    private static void put(ByteBuffer b, int at, long millis) {
        b.putInt(at, (int) (millis / 1000 + NTP_EPOCH_OFFSET));
        b.putInt(at + 4, (int) ((millis % 1000) * 0x100000000L / 1000));
    }

    @Test
    void aClockWithinFiveSecondsIsSyncedAndTheOffsetIsMeasured() throws Exception {
        try (DatagramSocket s = responder(Duration.ofMillis(1500))) {
            Sntp.Result r = Sntp.query(Optional.of("127.0.0.1:" + s.getLocalPort()), Duration.ofSeconds(2));
            assertThat(r.status()).isEqualTo("synced");
            assertThat(r.offsetMs()).isBetween(1300L, 1700L);
        }
    }

    @Test
    void aClockTenSecondsOffIsUnsynced() throws Exception {
        try (DatagramSocket s = responder(Duration.ofSeconds(-10))) {
            Sntp.Result r = Sntp.query(Optional.of("127.0.0.1:" + s.getLocalPort()), Duration.ofSeconds(2));
            assertThat(r.status()).isEqualTo("unsynced");
            assertThat(r.offsetMs()).isBetween(-10_200L, -9_800L);
        }
    }

    @Test
    void noServerOrNoAnswerIsUnknown() throws Exception {
        assertThat(Sntp.query(Optional.empty(), Duration.ofSeconds(1)).status()).isEqualTo("unknown");
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            Sntp.Result r = Sntp.query(Optional.of("127.0.0.1:" + silent.getLocalPort()), Duration.ofMillis(300));
            assertThat(r.status()).isEqualTo("unknown");
            assertThat(r.offsetMs()).isNull();
        }
    }
}
