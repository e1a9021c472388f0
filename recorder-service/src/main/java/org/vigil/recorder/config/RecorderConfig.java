package org.vigil.recorder.config;

import java.nio.file.Path;
import java.time.Duration;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Recorder settings; the runbook names (RECORDINGS_DIR, RECORDINGS_MIN_FREE) are mapped in application.properties. */
@ConfigMapping(prefix = "vigil.recorder")
public interface RecorderConfig {

    /**
     * RECORDINGS_DIR: segments go to {@code <dir>/<site>/<camera>/<yyyy-mm-dd>/}, until an admin sets another directory
     * through the storage API (that setting then wins, for every recorder).
     */
    Path recordingsDir();

    /**
     * RECORDINGS_MIN_FREE: the free-space floor. Below it the recorder closes its segments, stops writing and raises a
     * low-disk alert; it resumes when free space is back above the floor plus a tenth. The storage API may change it.
     */
    @WithDefault("1G")
    MemorySize minFree();

    /**
     * VIGIL_RETENTION_URL: the retention service, asked what a change of directory or floor would make it delete
     * before the change is made.
     */
    @WithDefault("http://127.0.0.1:8085")
    java.net.URI retentionUrl();

    /** Target segment length; a segment is cut at the first key frame after it. */
    @WithDefault("60s")
    Duration segmentLength();

    /**
     * A camera's open segment is closed when no packet of it has arrived for this long (a camera gone quiet): the
     * segment length plus 5 s when unset.
     */
    java.util.Optional<Duration> idleClose();

    /** Frame rate written in the AVI header when the camera does not announce one. */
    @WithDefault("15")
    int fallbackFrameRate();

    /** How often consumed offsets whose segments are durable are committed. */
    @WithDefault("2s")
    Duration commitInterval();

    /**
     * Readiness: while writing (not paused for low disk), the recorder is not ready when it is further behind the
     * cameras than this, or when its consumer loop has not polled for this long.
     */
    @WithDefault("2m")
    Duration maxLag();

    /** After a write error (a full or failing volume), how long to wait before trying again. */
    @WithDefault("5s")
    Duration writeRetry();

    /** Playback: the longest time range one request may ask for. */
    @WithDefault("1h")
    Duration playbackMaxRange();

    /**
     * PLAYBACK_CACHE_DIR: MP4 remuxes are kept here for repeated (Range) requests; {@code <java.io.tmpdir>/vigil-playback}
     * when unset. Retention reads the same variable: when the cache shares the recordings volume, its bytes count as
     * free space there (see {@link org.vigil.recorder.playback.PlaybackCache}).
     */
    java.util.Optional<Path> playbackCacheDir();

    /** Playback: the most the cache holds (half the free-space floor at most when it shares the recordings volume). */
    @WithDefault("2G")
    MemorySize playbackCacheMax();

    /** Playback: the most one user's renders hold in the cache; also the largest single render. */
    @WithDefault("1G")
    MemorySize playbackCachePerUser();

    /** Playback: renders (remuxes) running at once; more are answered 503 with Retry-After. */
    @WithDefault("2")
    int playbackRenders();

    /** Playback: cache files unused this long are deleted. */
    @WithDefault("10m")
    Duration playbackCacheIdle();

    /**
     * VIGIL_SITE: the site this recorder's node records for, named in its heartbeats (lower-case letters, digits and
     * {@code -}: a site node's id is also its topics' prefix at central). One box is one site, {@code default}.
     */
    @WithDefault("default")
    String site();

    /** VIGIL_HEARTBEAT_INTERVAL: how often the node's heartbeat (site contact, clock, storage) is sent. */
    @WithDefault("5s")
    Duration heartbeatInterval();
}
