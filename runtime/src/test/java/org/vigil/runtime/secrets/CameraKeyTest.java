package org.vigil.runtime.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CameraKeyTest {

    @TempDir
    Path dir;

    @Test
    void aSealedPasswordOpensForItsCameraOnlyAndNeverShowsItself() {
        CameraKey key = CameraKey.createOrLoad(dir.resolve("camera.key"));
        String sealed = key.seal("gate-1", "pa:ss/w@rd é");
        assertThat(sealed).startsWith("v1.").doesNotContain("pa:ss").matches("v1\\.[A-Za-z0-9_-]+");
        assertThat(key.seal("gate-1", "pa:ss/w@rd é")).as("a fresh nonce each time").isNotEqualTo(sealed);
        assertThat(key.open("gate-1", sealed)).isEqualTo("pa:ss/w@rd é");
        assertThatThrownBy(() -> key.open("gate-2", sealed)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("another camera");
        String tampered = sealed.substring(0, sealed.length() - 2) + (sealed.endsWith("A") ? "BB" : "AA");
        assertThatThrownBy(() -> key.open("gate-1", tampered)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> key.open("gate-1", "hunter2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("hunter2");
        CameraKey other = CameraKey.createOrLoad(dir.resolve("other.key"));
        assertThatThrownBy(() -> other.open("gate-1", sealed)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("another camera key");
    }

    @Test
    void theKeyFileIsOwnerOnlyAndStaysTheSame() throws Exception {
        Path file = dir.resolve("keys/camera.key");
        String sealed = CameraKey.createOrLoad(file).seal("c", "secret");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(CameraKey.createOrLoad(file).open("c", sealed)).as("loaded again, not replaced").isEqualTo("secret");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> CameraKey.load(file)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("readable by others");
    }

    @Test
    void aMissingOrMalformedKeyIsNamed() throws Exception {
        assertThatThrownBy(() -> CameraKey.load(dir.resolve("none.key"))).hasMessageContaining("does not exist");
        Path shortKey = dir.resolve("short.key");
        Files.writeString(shortKey, "c2hvcnQ=");
        Files.setPosixFilePermissions(shortKey, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> CameraKey.load(shortKey)).hasMessageContaining("32 bytes in base64");
    }
}
