package org.vigil.events.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SiteTopicsTest {

    @Test
    void aMirroredTopicNamesItsSiteAndALocalOneNone() {
        assertThat(SiteTopics.siteOf("north.vigil.motion.v1")).contains("north");
        assertThat(SiteTopics.siteOf("site-7.vigil.audit.v1")).contains("site-7");
        assertThat(SiteTopics.siteOf("vigil.motion.v1")).isEmpty();
        assertThat(SiteTopics.siteOf("North.vigil.motion.v1")).as("not a site id").isEmpty();
    }

    @Test
    void aTopicWithoutItsSitesPrefixIsTheTopicItMirrors() {
        assertThat(SiteTopics.baseOf("north.vigil.segments.v1")).isEqualTo("vigil.segments.v1");
        assertThat(SiteTopics.baseOf("vigil.segments.v1")).isEqualTo("vigil.segments.v1");
        assertThat(SiteTopics.baseOf("North.vigil.segments.v1")).as("not a site id: left as it is")
                .isEqualTo("North.vigil.segments.v1");
    }

    @Test
    void aMirroredRecordMustClaimItsTopicsSite() {
        SiteTopics.checkClaim("north.vigil.motion.v1", "north");
        SiteTopics.checkClaim("vigil.motion.v1", "anything"); // this cluster's own topic
        assertThatThrownBy(() -> SiteTopics.checkClaim("north.vigil.motion.v1", "south"))
                .hasMessage("a record mirrored from site north claims site south: refused, a site speaks only for "
                        + "itself");
        assertThatThrownBy(() -> SiteTopics.checkClaim("north.vigil.audit.v1", null))
                .hasMessageContaining("claims no site");
    }
}
