package org.vigil.export.config;

import java.nio.file.Path;

import io.smallrye.config.ConfigMapping;

/** Export settings. */
@ConfigMapping(prefix = "vigil.export")
public interface ExportConfig {

    /** RECORDINGS_DIR: where the segments to export are read from (read-only for this service). */
    Path recordingsDir();
}
