package org.vigil.retention.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

/** The low-disk arithmetic: hours of headroom above the floor, when it is low, and how much to free. */
class DiskPressureTest {

    static final long GB = 1L << 30;

    @Test
    void headroomIsTheSpaceAboveTheFloorAtTheRecordingRate() {
        DiskPressure.Status s = DiskPressure.status(100 * GB, 51 * GB, GB, GB, 24, null, false, Instant.EPOCH);
        assertThat(s.headroomHours()).isEqualTo(50.0);
        assertThat(s.low()).isFalse();
        assertThat(s.bytesToFree()).isZero();
        assertThat(s.warning()).isNull();
    }

    @Test
    void belowTheThresholdItFreesEnoughForTheThresholdsHours() {
        DiskPressure.Status s = DiskPressure.status(100 * GB, 11 * GB, GB, GB, 24, null, false, Instant.EPOCH);
        assertThat(s.headroomHours()).isEqualTo(10.0);
        assertThat(s.low()).isTrue();
        assertThat(s.bytesToFree()).isEqualTo(14 * GB); // floor + 24 h at 1 GB/h, less what is free
        assertThat(s.warning()).contains("10.0 hours").contains("threshold 24.0 h");
    }

    @Test
    void aVolumeTooSmallForTheThresholdKeepsHalfOfItAsFootageInsteadOfDeletingNearlyAll() {
        // 20 GB, 1 GB/h, threshold 24 h: freeing 24 h would delete every recording; half of what recording may use
        // (2 GB free above the floor + 17 GB of unheld footage) stays footage
        var usage = new org.vigil.retention.repository.PruneRepository.Usage(17 * GB, 0);
        DiskPressure.Status s = DiskPressure.status(20 * GB, 3 * GB, GB, GB, 24, usage, false, Instant.EPOCH);
        assertThat(s.low()).isTrue();
        assertThat(s.bytesToFree()).isEqualTo(GB + 19 * GB / 2 - 3 * GB);
        assertThat(s.warning()).contains("2.0 hours").contains("size it for the retention period");
        // held footage cannot be deleted: it does not count as footage recording may use
        var held = new org.vigil.retention.repository.PruneRepository.Usage(17 * GB, 10 * GB);
        assertThat(DiskPressure.status(20 * GB, 3 * GB, GB, GB, 24, held, false, Instant.EPOCH).bytesToFree())
                .isEqualTo(GB + 9 * GB / 2 - 3 * GB);
        // once freed, it stays put: no deletion on the next check, though the warning stays up
        DiskPressure.Status after = DiskPressure.status(20 * GB, GB + 19 * GB / 2, GB, GB, 24,
                new org.vigil.retention.repository.PruneRepository.Usage(17 * GB - (GB + 19 * GB / 2 - 3 * GB), 0),
                false, Instant.EPOCH);
        assertThat(after.bytesToFree()).isZero();
        assertThat(after.low()).isTrue();
        // a volume large enough: the threshold's hours, as before
        var big = new org.vigil.retention.repository.PruneRepository.Usage(89 * GB, 0);
        assertThat(DiskPressure.status(100 * GB, 11 * GB, GB, GB, 24, big, false, Instant.EPOCH).bytesToFree())
                .isEqualTo(14 * GB);
    }

    @Test
    void withNothingRecordingItStillFreesSpaceWhenNearTheFloor() {
        // paused recorders write nothing: the rate is 0, but free space under floor + 10% must still be freed
        DiskPressure.Status s = DiskPressure.status(100 * GB, GB / 2, GB, 0, 24, null, false, Instant.EPOCH);
        assertThat(s.headroomHours()).isNull();
        assertThat(s.low()).isTrue();
        assertThat(s.bytesToFree()).isEqualTo(GB + GB / 10 + 1 - GB / 2);
        DiskPressure.Status idle = DiskPressure.status(100 * GB, 50 * GB, GB, 0, 24, null, false, Instant.EPOCH);
        assertThat(idle.low()).isFalse();
    }

    @Test
    void theRateOfARecordingThatBeganMinutesAgoIsExtrapolatedToTheHour() {
        Instant now = Instant.parse("2026-01-01T12:00:00Z");
        // 10 minutes of footage, 100 MB: 600 MB an hour, not 100
        assertThat(DiskPressure.hourly(new org.vigil.retention.repository.PruneRepository.Recent(100_000_000L, 0,
                now.minusSeconds(600)), now)).isEqualTo(600_000_000L);
        // a full hour and more: the hour's bytes
        assertThat(DiskPressure.hourly(new org.vigil.retention.repository.PruneRepository.Recent(100_000_000L, 0,
                now.minusSeconds(5000)), now)).isEqualTo(100_000_000L);
        assertThat(DiskPressure.hourly(new org.vigil.retention.repository.PruneRepository.Recent(0, 0, null), now))
                .isZero();
    }
}
