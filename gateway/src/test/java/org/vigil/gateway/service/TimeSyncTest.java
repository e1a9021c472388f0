package org.vigil.gateway.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.Optional;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.vigil.devstack.testing.ChronyServer;

/**
 * time_sync_status against a real NTP server, Debian's chronyd serving on loopback: synced with this host's clock,
 * unsynced with a clock 10 s off (the offset measured through the real exchange), unknown when nothing answers.
 */
class TimeSyncTest {

    @Test
    void syncedUnsyncedAndUnknownAgainstChrony() throws Exception {
        Assumptions.assumeTrue(ChronyServer.available(), "chronyd is not installed (apt-get install chrony); "
                + ".ci/run installs it");
        String closed;
        try (ChronyServer chrony = ChronyServer.start(Files.createTempDirectory("vigil-chrony-"))) {
            TimeSync.Status synced = new TimeSync(Optional.of(chrony.address()), System::currentTimeMillis).status();
            assertThat(synced.status()).isEqualTo("synced");
            assertThat(Math.abs(synced.offsetMs())).isLessThan(1000);
            assertThat(synced.server()).isEqualTo(chrony.address());

            TimeSync.Status off = new TimeSync(Optional.of(chrony.address()),
                    () -> System.currentTimeMillis() + 10_000).status();
            assertThat(off.status()).isEqualTo("unsynced");
            assertThat(off.offsetMs()).isBetween(-11_000L, -9_000L);

            TimeSync.Status justUnder = new TimeSync(Optional.of(chrony.address()),
                    () -> System.currentTimeMillis() + 3_000).status();
            assertThat(justUnder.status()).as("3 s off is within the 5 s limit").isEqualTo("synced");
            closed = chrony.address();
        }
        // the server is gone: nothing answers on its port
        assertThat(new TimeSync(Optional.of(closed), System::currentTimeMillis).status().status())
                .isEqualTo("unknown");
        assertThat(new TimeSync(Optional.empty(), System::currentTimeMillis).status().status()).isEqualTo("unknown");
    }
}
