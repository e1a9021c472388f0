package org.vigil.runtime.sites;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;

import org.junit.jupiter.api.Test;

class SiteRecordersTest {

    @Test
    void readsEachSitesRecorder() {
        assertThat(SiteRecorders.parse(" north=https://rec.north.example:8082 , south=http://10.0.2.5:8082,"))
                .containsExactly(java.util.Map.entry("north", URI.create("https://rec.north.example:8082")),
                        java.util.Map.entry("south", URI.create("http://10.0.2.5:8082")));
        assertThat(SiteRecorders.parse("")).isEmpty();
    }

    @Test
    void refusesWhatCannotBeASiteDirectoryAndSaysWhichEntry() {
        assertThatThrownBy(() -> SiteRecorders.parse("north")).hasMessageContaining("'north' is not site=url");
        assertThatThrownBy(() -> SiteRecorders.parse("North=http://a:1")).hasMessageContaining("site 'North'");
        assertThatThrownBy(() -> SiteRecorders.parse("north=ftp://a:1")).hasMessageContaining("http(s)://host:port");
        assertThatThrownBy(() -> SiteRecorders.parse("north=rec-north:8082"))
                .hasMessageContaining("the url of site north");
        assertThatThrownBy(() -> SiteRecorders.parse("north=http://a:1,north=http://b:1"))
                .hasMessageContaining("listed twice");
    }
}
