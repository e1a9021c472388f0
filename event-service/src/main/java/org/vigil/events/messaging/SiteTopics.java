package org.vigil.events.messaging;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which site a record's topic speaks for. A site node's metadata reaches central through MirrorMaker 2, which names a
 * mirrored topic after its source: {@code north.vigil.motion.v1} (design 0017). The prefix is set by central's own
 * MirrorMaker configuration, one source per site with that site's credentials, never by what a site sends, so a
 * record that claims another site than its topic's is refused (dead letters, with the reason): a site node cannot
 * write as another site. A topic without a prefix is this cluster's own (a single-box install): no claim to check.
 */
final class SiteTopics {

    private static final Pattern MIRRORED = Pattern.compile("([a-z0-9][a-z0-9-]*)\\.(vigil\\..+)");

    private SiteTopics() {
    }

    /** The site a mirrored topic came from; empty for this cluster's own topics. */
    static Optional<String> siteOf(String topic) {
        Matcher m = MIRRORED.matcher(topic);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The topic without its site's prefix: {@code north.vigil.motion.v1} and {@code vigil.motion.v1} are both motion. */
    static String baseOf(String topic) {
        Matcher m = MIRRORED.matcher(topic);
        return m.matches() ? m.group(2) : topic;
    }

    /** Refuses a record whose {@code claimed} site is not the site its topic was mirrored from. */
    static void checkClaim(String topic, String claimed) {
        siteOf(topic).ifPresent(site -> {
            if (!site.equals(claimed)) {
                throw new IllegalArgumentException("a record mirrored from site " + site + " claims "
                        + (claimed == null ? "no site" : "site " + claimed) + ": refused, a site speaks only for itself");
            }
        });
    }
}
