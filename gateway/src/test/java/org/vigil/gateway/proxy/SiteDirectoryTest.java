package org.vigil.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class SiteDirectoryTest {

    @Test
    void readsEachSitesRecorder() {
        assertThat(SiteDirectory.parse(" north=https://rec.north.example:8082 , south=http://10.0.2.5:8082,"))
                .containsExactly(java.util.Map.entry("north", URI.create("https://rec.north.example:8082")),
                        java.util.Map.entry("south", URI.create("http://10.0.2.5:8082")));
        assertThat(SiteDirectory.parse("")).isEmpty();
    }

    @Test
    void refusesWhatCannotBeASiteDirectoryAndSaysWhichEntry() {
        assertThatThrownBy(() -> SiteDirectory.parse("north")).hasMessageContaining("'north' is not site=url");
        assertThatThrownBy(() -> SiteDirectory.parse("North=http://a:1")).hasMessageContaining("site 'North'");
        assertThatThrownBy(() -> SiteDirectory.parse("north=ftp://a:1")).hasMessageContaining("http(s)://host:port");
        assertThatThrownBy(() -> SiteDirectory.parse("north=rec-north:8082"))
                .hasMessageContaining("the url of site north");
        assertThatThrownBy(() -> SiteDirectory.parse("north=http://a:1,north=http://b:1"))
                .hasMessageContaining("listed twice");
    }

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
