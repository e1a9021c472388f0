package org.vigil.devstack.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * A service that runs in its jar's folder (to use its class-data archive) must still find recordings, keys and exports
 * where the user meant them: relative path settings are resolved against where ./vigil up runs.
 */
class LauncherPathsTest {

    @Test
    void relativePathSettingsBecomeAbsoluteAndNothingElseChanges() {
        Path here = Path.of("").toAbsolutePath();
        Map<String, String> user = Map.of("RECORDINGS_DIR", "rec", "EXPORT_SIGNING_KEY_FILE", "keys/../sign.pem",
                "VIGIL_KEYS_DIR", "/srv/keys", "KAFKA_BOOTSTRAP_SERVERS", "kafka:9092", "CAMERA_SOURCES", "a/b",
                "SOME_DIR", "", "DATABASE_URL_FILE", "postgresql://host/db");
        Map<String, String> launcher = Map.of("VIGIL_EXPORTS_DIR", "exports", "PLAYBACK_CACHE_DIR", "/abs/cache");

        Map<String, String> absolute = Launcher.absolutePaths(user, launcher);

        assertThat(absolute).containsOnly(
                Map.entry("RECORDINGS_DIR", here.resolve("rec").toString()),
                Map.entry("EXPORT_SIGNING_KEY_FILE", here.resolve("sign.pem").toString()),
                Map.entry("VIGIL_EXPORTS_DIR", here.resolve("exports").toString()));
    }

    @Test
    void theLaunchersOwnValueWinsOverTheUsers() {
        Map<String, String> absolute = Launcher.absolutePaths(Map.of("RECORDINGS_DIR", "mine"),
                Map.of("RECORDINGS_DIR", "theirs"));
        assertThat(absolute.get("RECORDINGS_DIR")).endsWith("theirs");
    }
}
