package org.vigil.retention.service;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.contracts.StorageSettings;
import org.vigil.retention.config.RetentionConfig;
import org.vigil.retention.messaging.StorageSettingsReader;

/**
 * The recordings directories as the recorders see them: the one they write to now and its free-space floor (from the
 * storage API's settings, else RECORDINGS_DIR and RECORDINGS_MIN_FREE), and every directory used before.
 */
@ApplicationScoped
public class StorageRoots {

    private final RetentionConfig config;
    private final StorageSettingsReader settings;

    public StorageRoots(RetentionConfig config, StorageSettingsReader settings) {
        this.config = config;
        this.settings = settings;
    }

    /** Where recorders write now. */
    public Path current() {
        return settings.latest().map(s -> Path.of(s.recordingsDir()))
                .orElse(config.recordingsDir()).toAbsolutePath().normalize();
    }

    /** The recorders' free-space floor: below it they pause recording. */
    public long floorBytes() {
        return settings.latest().map(StorageSettings::minFreeBytes).orElse(config.minFree().asLongValue());
    }

    /** Every directory that may hold recordings, the current one first. */
    public List<Path> all() {
        Set<Path> out = new LinkedHashSet<>();
        out.add(current());
        settings.latest().ifPresent(s -> s.formerDirs().forEach(d -> out.add(Path.of(d).toAbsolutePath().normalize())));
        out.add(config.recordingsDir().toAbsolutePath().normalize());
        return List.copyOf(out);
    }
}
