package org.vigil.runtime.sites;

import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code VIGIL_SITE_RECORDERS} ({@code north=https://rec.north.example:8082,south=…}): the recorder that serves each
 * remote site's footage (design 0017 §3), read the same way by the gateway (playback, live view) and the export
 * service (the segments of an export). A site not listed has its footage where a single box has it. The gateway's
 * {@code VIGIL_SITE_CAPTURES} (a capture instance per remote site, for probes) has the same form.
 */
public final class SiteRecorders {

    private SiteRecorders() {
    }

    /**
     * Parses the list: comma-separated {@code site=url} pairs, each url http or https with a host.
     *
     * @throws IllegalArgumentException naming the entry that is wrong and why
     */
    public static Map<String, URI> parse(String spec) {
        return parse(spec, "VIGIL_SITE_RECORDERS");
    }

    /**
     * Parses another list of the same form ({@code VIGIL_SITE_CAPTURES}: a capture instance per remote site), naming
     * {@code variable} in its errors.
     */
    public static Map<String, URI> parse(String spec, String variable) {
        Map<String, URI> out = new LinkedHashMap<>();
        for (String entry : spec == null ? new String[0] : spec.split(",")) {
            String e = entry.strip();
            if (e.isEmpty()) {
                continue;
            }
            int eq = e.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException(variable + ": '" + e + "' is not site=url");
            }
            String site = e.substring(0, eq).strip();
            if (!SiteId.valid(site)) {
                throw new IllegalArgumentException(variable + ": site '" + site
                        + "' must be lower-case letters, digits and '-'");
            }
            URI url;
            try {
                url = URI.create(e.substring(eq + 1).strip());
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException(variable + ": the url of site " + site + " is not a URL");
            }
            if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
                throw new IllegalArgumentException(variable + ": the url of site " + site
                        + " must be http(s)://host:port, got '" + url + "'");
            }
            if (out.put(site, url) != null) {
                throw new IllegalArgumentException(variable + ": site " + site + " is listed twice");
            }
        }
        return Collections.unmodifiableMap(out);
    }
}
