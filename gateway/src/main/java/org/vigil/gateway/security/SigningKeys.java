package org.vigil.gateway.security;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import org.vigil.contracts.Json;
import org.vigil.gateway.config.GatewayConfig;

/**
 * The RSA key that signs access tokens. Read from {@code <keys dir>/token-signing-key.pem} (PKCS#8); created there,
 * readable by the owner only, when it does not exist and the directory is writable (development). Every gateway
 * instance must use the same key: in Kubernetes, mount it from a Secret.
 */
@ApplicationScoped
public class SigningKeys {

    private static final Logger LOG = Logger.getLogger(SigningKeys.class);
    static final String FILE = "token-signing-key.pem";

    private final RSAPrivateCrtKey privateKey;
    private final RSAPublicKey publicKey;
    private final String keyId;

    public SigningKeys(GatewayConfig config) throws IOException, GeneralSecurityException {
        Path file = config.keysDir().resolve(FILE);
        if (!Files.exists(file)) {
            generate(file);
        }
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        privateKey = (RSAPrivateCrtKey) KeyFactory.getInstance("RSA")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
        publicKey = (RSAPublicKey) KeyFactory.getInstance("RSA")
                .generatePublic(new RSAPublicKeySpec(privateKey.getModulus(), privateKey.getPublicExponent()));
        keyId = thumbprint(publicKey);
    }

    private static void generate(Path file) throws IOException, GeneralSecurityException {
        Files.createDirectories(file.getParent());
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(3072);
        byte[] der = g.generateKeyPair().getPrivate().getEncoded();
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END PRIVATE KEY-----\n";
        Path tmp = Files.createTempFile(file.getParent(), ".token-signing-", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            LOG.infof("generated a new token signing key in %s (development only: mount a shared key in production)",
                    file);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            Files.deleteIfExists(tmp); // another gateway instance won the race; use its key
        }
    }

    /** RFC 7638 thumbprint, so the key id changes exactly when the key does. */
    private static String thumbprint(RSAPublicKey key) throws GeneralSecurityException {
        String canonical = "{\"e\":\"" + b64(key.getPublicExponent()) + "\",\"kty\":\"RSA\",\"n\":\"" + b64(key.getModulus())
                + "\"}";
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    }

    private static String b64(BigInteger n) {
        byte[] bytes = n.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            bytes = java.util.Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public RSAPrivateCrtKey privateKey() {
        return privateKey;
    }

    public RSAPublicKey publicKey() {
        return publicKey;
    }

    public String keyId() {
        return keyId;
    }

    /** The public JSON Web Key Set that services verify tokens with. */
    public String jwks() {
        Map<String, Object> jwk = Map.of("kty", "RSA", "use", "sig", "alg", "RS256", "kid", keyId,
                "n", b64(publicKey.getModulus()), "e", b64(publicKey.getPublicExponent()));
        return new String(Json.write(Map.of("keys", List.of(jwk))), StandardCharsets.UTF_8);
    }
}
