package org.vigil.contracts;

import java.time.Instant;
import java.util.List;

/**
 * Where recorders write, as an admin set it through the storage API; the latest value of key {@link #KEY} in the
 * compacted {@link Topics#SETTINGS} topic. Until one exists, each recorder uses its RECORDINGS_DIR.
 *
 * @param recordingsDir absolute directory new segments go to
 * @param formerDirs    directories used before, newest first: their segments stay where they are and stay indexed
 * @param minFreeBytes  free-space floor: below it recorders close their segments and stop writing
 * @param updatedAt     when an admin set it
 * @param updatedBy     who set it
 */
public record StorageSettings(
        int v,
        String recordingsDir,
        List<String> formerDirs,
        long minFreeBytes,
        Instant updatedAt,
        String updatedBy) {

    public static final int VERSION = 1;
    public static final String KEY = "recorder.storage";

    public StorageSettings {
        formerDirs = formerDirs == null ? List.of() : List.copyOf(formerDirs);
    }
}
