package org.vigil.retention.service;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.retention.config.RetentionConfig;

/**
 * What retention keeps. Recordings: the camera's days, else its site's, else RETENTION_DAYS, and optionally at most a
 * quota of bytes per camera and per site (the event store's days are event-service's policy). A camera's days come
 * from RETENTION_DAYS_BY_CAMERA where it is named there, else from the camera registry (the days an admin of its site
 * set through the camera API). Overrides are written {@code name=value,name=value}; a malformed one stops the service
 * at start with the entry named.
 */
@ApplicationScoped
@Startup // a malformed override stops the service at start, not at the first run
public class Policy {

    private final int days;
    private final Map<String, Integer> sites;
    private final Map<String, Integer> cameras;
    private final Registry registry;
    private final Map<String, Long> cameraQuotas;
    private final Map<String, Long> siteQuotas;

    /** The cameras' own days in the camera registry. */
    public interface Registry {
        /** No registry: only RETENTION_DAYS_BY_CAMERA names cameras (benchmarks and tools). */
        Registry NONE = new Registry() {
            @Override
            public Map<String, Integer> days() {
                return Map.of();
            }

            @Override
            public boolean loaded(java.time.Duration wait) {
                return true;
            }
        };

        Map<String, Integer> days();

        /** Whether the registry was read to its end once, waiting up to {@code wait}. */
        boolean loaded(java.time.Duration wait);
    }

    public Policy(RetentionConfig config, Registry registry) {
        this.registry = registry;
        this.days = positive("RETENTION_DAYS", Integer.toString(config.days()));
        this.sites = parse("RETENTION_DAYS_BY_SITE", config.siteDays());
        this.cameras = parse("RETENTION_DAYS_BY_CAMERA", config.cameraDays());
        this.cameraQuotas = parseSizes("RETENTION_QUOTA_BY_CAMERA", config.cameraQuota());
        this.siteQuotas = parseSizes("RETENTION_QUOTA_BY_SITE", config.siteQuota());
        if (!(config.minHeadroomHours() >= 0)) {
            throw new IllegalArgumentException("RETENTION_MIN_HEADROOM_HOURS: '" + config.minHeadroomHours()
                    + "' is not a number of hours, 0 or more");
        }
    }

    /** Most bytes of recordings per camera; cameras not named have no quota. */
    public Map<String, Long> cameraQuotas() {
        return cameraQuotas;
    }

    /** Most bytes of recordings per site; sites not named have no quota. */
    public Map<String, Long> siteQuotas() {
        return siteQuotas;
    }

    /** The longest any recording is kept by age: files past it are deleted whatever their camera or site. */
    public int longestDays() {
        return Math.max(days, Math.max(cameras().values().stream().mapToInt(Integer::intValue).max().orElse(0),
                sites.values().stream().mapToInt(Integer::intValue).max().orElse(0)));
    }

    public int defaultDays() {
        return days;
    }

    public Map<String, Integer> sites() {
        return sites;
    }

    /** Each camera's days: the registry's, with RETENTION_DAYS_BY_CAMERA winning for a camera named in both. */
    public Map<String, Integer> cameras() {
        Map<String, Integer> fromRegistry = registry.days();
        if (fromRegistry.isEmpty()) {
            return cameras;
        }
        Map<String, Integer> out = new java.util.HashMap<>(fromRegistry);
        out.putAll(cameras);
        return out;
    }

    /** The cameras' days as RETENTION_DAYS_BY_CAMERA sets them (these win over the registry's). */
    public Map<String, Integer> configuredCameras() {
        return cameras;
    }

    /** The cameras' days as the camera registry sets them. */
    public Map<String, Integer> registryCameras() {
        return registry.days();
    }

    /**
     * Whether every camera's own days are known (the registry read to its end once), waiting up to {@code wait}.
     * Until then nothing may be judged by age: a camera keeping 90 days whose record is not read yet would be pruned
     * by its site's 30.
     */
    public boolean camerasKnown(java.time.Duration wait) {
        return registry.loaded(wait);
    }

    public static Map<String, Integer> parse(String name, Optional<String> spec) {
        Map<String, Integer> out = new LinkedHashMap<>();
        entries(name, spec, "days").forEach((k, v) -> out.put(k, positive(name + " " + k, v)));
        return Map.copyOf(out);
    }

    /** {@code name=size,...}, sizes as for RECORDINGS_MIN_FREE: bytes, or a number with K, M, G or T (powers of 1024). */
    public static Map<String, Long> parseSizes(String name, Optional<String> spec) {
        Map<String, Long> out = new LinkedHashMap<>();
        entries(name, spec, "size").forEach((k, v) -> {
            long bytes;
            try {
                bytes = new MemorySizeConverter().convert(v).asLongValue();
            } catch (IllegalArgumentException e) {
                bytes = -1;
            }
            if (bytes < 1) {
                throw new IllegalArgumentException(name + " " + k + ": '" + v
                        + "' is not a size (bytes, or a number with K, M, G or T, e.g. 500G)");
            }
            out.put(k, bytes);
        });
        return Map.copyOf(out);
    }

    private static Map<String, String> entries(String name, Optional<String> spec, String what) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String entry : spec.orElse("").split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] kv = entry.split("=", 2);
            if (kv.length != 2 || kv[0].isBlank()) {
                throw new IllegalArgumentException(name + ": '" + entry.strip() + "' is not name=" + what);
            }
            out.put(kv[0].strip(), kv[1].strip());
        }
        return out;
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
