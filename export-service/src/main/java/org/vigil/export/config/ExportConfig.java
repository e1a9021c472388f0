package org.vigil.export.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Export settings. */
@ConfigMapping(prefix = "vigil.export")
public interface ExportConfig {

    /** RECORDINGS_DIR: where the segments to export are read from (read-only for this service). */
    Path recordingsDir();

    /** VIGIL_EXPORTS_DIR: where finished packages are kept (and written, as {@code .partial}, while running). */
    Path exportsDir();

    /**
     * EXPORT_SIGNING_KEY_FILE: the Ed25519 private key (PKCS#8 PEM) that signs every package; a Kubernetes Secret
     * mount in production. Required in production; in development one is generated under VIGIL_KEYS_DIR.
     */
    Optional<Path> signingKeyFile();

    /** VIGIL_KEYS_DIR: where a development key is generated when no key file is given. */
    Path keysDir();

    /** Generate a development key when none is configured (off in production). */
    @WithDefault("true")
    boolean generateKey();

    /** NTP_SERVER: time source whose offset each manifest records. */
    Optional<String> ntpServer();

    /** How often a job interrupted by restarts is started again before it fails. */
    @WithDefault("3")
    int maxAttempts();

    /** The longest range one export may cover. */
    @WithDefault("24h")
    Duration maxRange();

    /** How often a running job stores its progress and looks for a cancellation. */
    @WithDefault("1s")
    Duration progressEvery();

    /** How long a job waits for its own creation to appear in the audit chain, so its excerpt holds it. */
    @WithDefault("15s")
    Duration auditWait();

    /**
     * VIGIL_SITE_RECORDERS: each remote site's recorder ({@code north=https://rec.north:8082,…}), from which the
     * segments of that site are fetched; a site not listed has its recordings under {@link #recordingsDir()}.
     */
    Optional<String> siteRecorders();

    /** Space kept free on the exports volume beyond the package's size. */
    @WithDefault("64M")
    io.quarkus.runtime.configuration.MemorySize freeMargin();
}
