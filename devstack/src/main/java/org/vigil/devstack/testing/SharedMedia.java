package org.vigil.devstack.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The third-party clips in {@code ../shared/media} (never copied into the project). The folder is
 * {@code -Dvigil.media.dir}, else {@code VIGIL_MEDIA_DIR}, else {@code ../shared/media} beside the checkout.
 */
public final class SharedMedia {

    private SharedMedia() {
    }

    public static Path dir() {
        String p = System.getProperty("vigil.media.dir", System.getenv("VIGIL_MEDIA_DIR"));
        return p != null ? Path.of(p) : Path.of("..", "..", "shared", "media").toAbsolutePath().normalize();
    }

    /** The file, when the media folder has it. */
    public static Optional<Path> file(String name) {
        Path f = dir().resolve(name);
        return Files.isRegularFile(f) ? Optional.of(f) : Optional.empty();
    }

    /** Why a figure cannot be computed here, for a skip message. */
    public static String missing(String name) {
        return name + " not found in " + dir() + " (set -Dvigil.media.dir or VIGIL_MEDIA_DIR to the shared media folder)";
    }
}
