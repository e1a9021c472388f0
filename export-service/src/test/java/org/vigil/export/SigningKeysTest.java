package org.vigil.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vigil.evidence.Signing;
import org.vigil.export.config.ExportConfig;
import org.vigil.export.service.SigningKeys;

/** Production refuses to run without a key; development makes one, once, readable by its owner only. */
class SigningKeysTest {

    @TempDir
    Path dir;

    private ExportConfig config(Optional<Path> keyFile, boolean generate) {
        return new ExportConfig() {
            public Path recordingsDir() {
                return dir;
            }

            public Path exportsDir() {
                return dir;
            }

            public Optional<Path> signingKeyFile() {
                return keyFile;
            }

            public Path keysDir() {
                return dir.resolve("keys");
            }

            public boolean generateKey() {
                return generate;
            }

            public Optional<String> ntpServer() {
                return Optional.empty();
            }

            @Override
            public Optional<String> siteRecorders() {
                return Optional.empty();
            }

            public int maxAttempts() {
                return 3;
            }

            public Duration maxRange() {
                return Duration.ofHours(24);
            }

            public Duration progressEvery() {
                return Duration.ofSeconds(1);
            }

            public Duration auditWait() {
                return Duration.ofSeconds(1);
            }

            public MemorySize freeMargin() {
                return new MemorySize(java.math.BigInteger.ZERO);
            }
        };
    }

    @Test
    void productionWithoutAKeyRefusesToStart() {
        assertThatThrownBy(() -> new SigningKeys(config(Optional.empty(), false)))
                .hasMessageContaining("EXPORT_SIGNING_KEY_FILE").hasMessageContaining("KEY_MANAGEMENT");
        assertThat(dir.resolve("keys")).doesNotExist();
    }

    @Test
    void developmentGeneratesOneKeyOwnerReadableAndKeepsIt() throws Exception {
        SigningKeys first = new SigningKeys(config(Optional.empty(), true));
        Path file = dir.resolve("keys/export-signing-key.pem");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(new SigningKeys(config(Optional.empty(), true)).fingerprint()).isEqualTo(first.fingerprint());
    }

    @Test
    void aGivenKeyFileIsUsedAndAMissingOneIsAClearError() throws Exception {
        var pair = Signing.generate();
        Path key = dir.resolve("managed.pem");
        Files.writeString(key, Signing.privatePem(pair.getPrivate()));
        assertThat(new SigningKeys(config(Optional.of(key), false)).fingerprint())
                .isEqualTo(Signing.fingerprint(pair.getPublic()));
        assertThatThrownBy(() -> new SigningKeys(config(Optional.of(dir.resolve("nope.pem")), false)))
                .hasMessageContaining("nope.pem");
    }
}
