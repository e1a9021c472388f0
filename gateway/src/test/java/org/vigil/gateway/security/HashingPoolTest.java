package org.vigil.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HashingPoolTest {

    @Test
    void threadsFollowTheMemoryBudget() {
        long mib = 1L << 20;
        assertThat(HashingPool.size(0.25, 0, 256 * mib, 2)).as("64 MiB / 19 MiB").isEqualTo(3);
        assertThat(HashingPool.size(0.25, 0, 64 * mib, 2)).as("never fewer than one").isEqualTo(1);
        assertThat(HashingPool.size(0.25, 0, 4096 * mib, 2)).as("no more than twice the processors").isEqualTo(4);
        assertThat(HashingPool.size(0.25, 7, 256 * mib, 2)).as("configured").isEqualTo(7);
    }
}
