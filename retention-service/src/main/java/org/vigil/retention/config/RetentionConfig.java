package org.vigil.retention.config;

import java.nio.file.Path;
import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Retention settings; RETENTION_DAYS and RECORDINGS_DIR are mapped in application.properties. */
@ConfigMapping(prefix = "vigil.retention")
public interface RetentionConfig {

    /** RETENTION_DAYS: how long recordings are kept unless a legal hold says otherwise. */
    @WithDefault("30")
    int days();

    /** RETENTION_DAYS_BY_SITE: per-site overrides, e.g. {@code hq=90,kiosk=7}. */
    java.util.Optional<String> siteDays();

    /** RETENTION_DAYS_BY_CAMERA: per-camera overrides (they win over the site's), e.g. {@code gate=180}. */
    java.util.Optional<String> cameraDays();

    /** RECORDINGS_DIR: the volume retention prunes. */
    Path recordingsDir();

    /** RETENTION_INTERVAL: how often a run starts by itself (0: only when asked). */
    @WithDefault("1h")
    Duration interval();
}
