package org.vigil.retention.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Retention settings; the environment names (RETENTION_DAYS, RECORDINGS_DIR, ...) are mapped in application.properties. */
@ConfigMapping(prefix = "vigil.retention")
public interface RetentionConfig {

    /** RETENTION_DAYS: how long recordings are kept unless a legal hold says otherwise. */
    @WithDefault("30")
    int days();

    /** RETENTION_DAYS_BY_SITE: per-site overrides, e.g. {@code hq=90,kiosk=7}. */
    Optional<String> siteDays();

    /** RETENTION_DAYS_BY_CAMERA: per-camera overrides (they win over the site's), e.g. {@code gate=180}. */
    Optional<String> cameraDays();

    /** RETENTION_QUOTA_BY_CAMERA: most bytes of recordings per camera, e.g. {@code gate=200G}. */
    Optional<String> cameraQuota();

    /** RETENTION_QUOTA_BY_SITE: most bytes of recordings per site, e.g. {@code hq=2T}. */
    Optional<String> siteQuota();

    /**
     * RETENTION_MIN_HEADROOM_HOURS: the low-disk threshold. When free space above the recorders' floor would last
     * fewer hours than this at the current recording rate, the oldest unheld recordings are deleted.
     */
    @WithDefault("24")
    double minHeadroomHours();

    /** RECORDINGS_MIN_FREE: the recorders' free-space floor, unless an admin set another through the storage API. */
    @WithDefault("1G")
    MemorySize minFree();

    /** RECORDINGS_DIR: the volume retention prunes, unless an admin set another through the storage API. */
    Path recordingsDir();

    /**
     * PLAYBACK_CACHE_DIR: the recorders' playback cache. When it shares the recordings volume its bytes count as free
     * space here (it lives inside the floor's reserve and the recorders bound it): viewings never trigger deletion.
     */
    Optional<Path> playbackCacheDir();

    /** RETENTION_INTERVAL: how often a run starts by itself (0: only when asked). */
    @WithDefault("1h")
    Duration interval();

    /** RETENTION_DISK_CHECK: how often free space is checked against the threshold (0: never). */
    @WithDefault("1m")
    Duration diskCheck();
}
