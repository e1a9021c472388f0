package org.vigil.sitelink.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The site nodes central links to, from {@code VIGIL_SITES}: {@code north=10.1.0.2:9094,south=10.2.0.2:9094}, each a
 * site id and the bootstrap address of that site's Kafka as central reaches it. A site id is lower-case letters,
 * digits and {@code -}: MirrorMaker names the site's topics at central after it ({@code north.vigil.motion.v1}).
 */
public final class Sites {

    public static final Pattern SITE_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9.\\-\\[\\]:]+:[0-9]{1,5}");
    /** MirrorMaker's name for central's own cluster: no site may take it. */
    public static final String CENTRAL = "central";

    private Sites() {
    }

    /**
     * Reads the list.
     *
     * @throws IllegalArgumentException naming what is wrong, for the one line an operator reads at start
     */
    public static Map<String, String> parse(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("VIGIL_SITES is empty: name each site node as <site>=<host>:<port> "
                    + "(its Kafka as central reaches it), separated by commas");
        }
        Map<String, String> sites = new LinkedHashMap<>();
        for (String entry : value.split(",")) {
            String e = entry.trim();
            int eq = e.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("VIGIL_SITES entry '" + e + "' is not <site>=<host>:<port>");
            }
            String site = e.substring(0, eq).trim();
            String bootstrap = e.substring(eq + 1).trim();
            if (!SITE_ID.matcher(site).matches()) {
                throw new IllegalArgumentException("VIGIL_SITES: '" + site + "' is not a site id (lower-case letters, "
                        + "digits and '-', at most 63, starting with a letter or digit)");
            }
            if (site.equals(CENTRAL)) {
                throw new IllegalArgumentException("VIGIL_SITES: '" + CENTRAL + "' is central's own name, not a site's");
            }
            for (String address : bootstrap.split(";")) {
                if (!ADDRESS.matcher(address).matches()) {
                    throw new IllegalArgumentException("VIGIL_SITES: site " + site + " has '" + bootstrap
                            + "', not <host>:<port> (several separated by ';')");
                }
            }
            if (sites.put(site, bootstrap.replace(';', ',')) != null) {
                throw new IllegalArgumentException("VIGIL_SITES names site " + site + " twice");
            }
        }
        return Collections.unmodifiableMap(sites);
    }
}
