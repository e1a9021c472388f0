package org.vigil.runtime.sites;

import java.util.regex.Pattern;

/**
 * A site id: lower-case letters, digits and '-', at most 63, starting with a letter or digit. It is also the prefix of
 * a site's topics at central, which MirrorMaker names after it (design 0017).
 */
public final class SiteId {

    public static final Pattern PATTERN = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    private SiteId() {
    }

    public static boolean valid(String site) {
        return site != null && PATTERN.matcher(site).matches();
    }
}
