package org.vigil.retention.config;

import java.nio.file.Path;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Retention settings; RETENTION_DAYS and RECORDINGS_DIR are mapped in application.properties. */
@ConfigMapping(prefix = "vigil.retention")
public interface RetentionConfig {

    /** RETENTION_DAYS: how long recordings and events are kept unless a site, camera or hold says otherwise. */
    @WithDefault("30")
    int days();

    /** RECORDINGS_DIR: the volume retention prunes. */
    Path recordingsDir();
}
