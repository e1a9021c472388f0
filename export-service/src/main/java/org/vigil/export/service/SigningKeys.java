package org.vigil.export.service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;

import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import org.vigil.evidence.Signing;
import org.vigil.export.config.ExportConfig;

/**
 * The key that signs export packages (docs/KEY_MANAGEMENT.md). Read from EXPORT_SIGNING_KEY_FILE; without one, a
 * development key is generated once under VIGIL_KEYS_DIR (0600) and the log says so with its fingerprint; in
 * production ({@code vigil.export.generate-key=false}) the service refuses to start instead.
 */
@ApplicationScoped
@Startup // read (or refused) at start-up, not at the first export
public class SigningKeys {

    private static final Logger LOG = Logger.getLogger(SigningKeys.class);
    static final String DEV_KEY = "export-signing-key.pem";

    private final KeyPair pair;

    public SigningKeys(ExportConfig config) throws IOException {
        Path file = config.signingKeyFile().orElse(null);
        if (file == null) {
            if (!config.generateKey()) {
                throw new IllegalStateException("no export signing key: set EXPORT_SIGNING_KEY_FILE to an Ed25519 "
                        + "private key in PKCS#8 PEM (see docs/KEY_MANAGEMENT.md); refusing to sign with a made-up key");
            }
            file = config.keysDir().resolve(DEV_KEY);
            if (!Files.exists(file)) {
                generate(file);
            }
        }
        if (!Files.isReadable(file)) {
            throw new IllegalStateException("export signing key " + file + " is missing or unreadable");
        }
        PrivateKey key = Signing.readPrivate(Files.readString(file, StandardCharsets.US_ASCII));
        pair = new KeyPair(Signing.publicOf(key), key);
        LOG.infof("signing exports with Ed25519 key %s (from %s)", Signing.fingerprint(pair.getPublic()), file);
    }

    private static void generate(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        KeyPair k = Signing.generate();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, Signing.privatePem(k.getPrivate()), StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        LOG.warnf("no EXPORT_SIGNING_KEY_FILE: generated a development signing key at %s (fingerprint %s); "
                + "production needs a managed key, see docs/KEY_MANAGEMENT.md", file,
                Signing.fingerprint(k.getPublic()));
    }

    public KeyPair pair() {
        return pair;
    }

    public String fingerprint() {
        return Signing.fingerprint(pair.getPublic());
    }

    public String publicPem() {
        return Signing.publicPem(pair.getPublic());
    }
}
