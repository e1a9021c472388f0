package org.vigil.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HashingPoolTest {

    @Test
    void threadsFollowTheMemoryBudgetAndLeaveHalfTheProcessors() {
        long mib = 1L << 20;
        assertThat(HashingPool.size(0.25, 0, 256 * mib, 8)).as("64 MiB / 19 MiB").isEqualTo(3);
        assertThat(HashingPool.size(0.25, 0, 64 * mib, 8)).as("never fewer than one").isEqualTo(1);
        assertThat(HashingPool.size(0.25, 0, 4096 * mib, 8)).as("half the processors at most").isEqualTo(4);
        assertThat(HashingPool.size(0.25, 0, 256 * mib, 2)).as("on two cores: one").isEqualTo(1);
        assertThat(HashingPool.size(0.25, 7, 256 * mib, 2)).as("configured").isEqualTo(7);
    }
}
