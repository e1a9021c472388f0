package org.vigil.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class SiteDirectoryTest {

    @Test
    void readsASitesContactFromCentralsStatus() {
        String json = "[{\"site\":\"south\",\"state\":\"connected\",\"lastContact\":\"2026-12-05T10:42:00Z\"},"
                + "{\"site\":\"north\",\"state\":\"disconnected\",\"lastContact\":\"2026-12-05T10:40:13Z\"}]";
        SiteDirectory.Contact north = SiteDirectory.of("north", json);
        assertThat(north.disconnected()).isTrue();
        assertThat(north.lastContact()).isEqualTo(Instant.parse("2026-12-05T10:40:13Z"));
        assertThat(SiteDirectory.of("south", json).disconnected()).isFalse();
        assertThat(SiteDirectory.of("east", json).state()).isEqualTo("unknown");
        assertThat(SiteDirectory.of("north", "not json")).isNull();
    }
}
