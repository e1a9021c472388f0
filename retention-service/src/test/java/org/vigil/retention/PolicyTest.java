package org.vigil.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.vigil.retention.service.Policy;

/** Overrides are read as name=days and name=size lists, and a wrong one is named. */
class PolicyTest {

    @Test
    void overridesAreReadAndBadOnesAreNamed() {
        assertThat(Policy.parse("RETENTION_DAYS_BY_SITE", Optional.of("hq=90, kiosk=7"))).containsEntry("hq", 90)
                .containsEntry("kiosk", 7).hasSize(2);
        assertThat(Policy.parse("RETENTION_DAYS_BY_SITE", Optional.empty())).isEmpty();
        assertThatThrownBy(() -> Policy.parse("RETENTION_DAYS_BY_CAMERA", Optional.of("gate=0")))
                .hasMessageContaining("RETENTION_DAYS_BY_CAMERA gate").hasMessageContaining("'0'");
        assertThatThrownBy(() -> Policy.parse("RETENTION_DAYS_BY_SITE", Optional.of("hq")))
                .hasMessageContaining("'hq' is not name=days");
    }

    @Test
    void quotasAreReadAsSizesAndBadOnesAreNamed() {
        assertThat(Policy.parseSizes("RETENTION_QUOTA_BY_CAMERA", Optional.of("gate=200G, door=512M,lab=3000")))
                .containsEntry("gate", 200L << 30).containsEntry("door", 512L << 20).containsEntry("lab", 3000L);
        assertThatThrownBy(() -> Policy.parseSizes("RETENTION_QUOTA_BY_SITE", Optional.of("hq=lots")))
                .hasMessageContaining("RETENTION_QUOTA_BY_SITE hq").hasMessageContaining("'lots'");
        assertThatThrownBy(() -> Policy.parseSizes("RETENTION_QUOTA_BY_SITE", Optional.of("hq=0")))
                .hasMessageContaining("'0' is not a size");
    }
}
