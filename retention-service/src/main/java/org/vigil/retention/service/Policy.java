package org.vigil.retention.service;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.vigil.retention.config.RetentionConfig;

import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * How many days each camera's recordings are kept: the camera's override, else its site's, else RETENTION_DAYS.
 * Overrides are written {@code name=days,name=days}; a malformed one stops the service at start with the entry named.
 */
@ApplicationScoped
@Startup // a malformed override stops the service at start, not at the first run
public class Policy {

    private final int days;
    private final Map<String, Integer> sites;
    private final Map<String, Integer> cameras;

    public Policy(RetentionConfig config) {
        this.days = positive("RETENTION_DAYS", Integer.toString(config.days()));
        this.sites = parse("RETENTION_DAYS_BY_SITE", config.siteDays());
        this.cameras = parse("RETENTION_DAYS_BY_CAMERA", config.cameraDays());
    }

    public int defaultDays() {
        return days;
    }

    public Map<String, Integer> sites() {
        return sites;
    }

    public Map<String, Integer> cameras() {
        return cameras;
    }

    public static Map<String, Integer> parse(String name, Optional<String> spec) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String entry : spec.orElse("").split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] kv = entry.split("=", 2);
            if (kv.length != 2 || kv[0].isBlank()) {
                throw new IllegalArgumentException(name + ": '" + entry.strip() + "' is not name=days");
            }
            out.put(kv[0].strip(), positive(name + " " + kv[0].strip(), kv[1].strip()));
        }
        return Map.copyOf(out);
    }

    private static int positive(String name, String value) {
        try {
            int d = Integer.parseInt(value);
            if (d >= 1) {
                return d;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(name + ": '" + value + "' is not a whole number of days, 1 or more");
    }
}
