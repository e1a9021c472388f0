package org.vigil.devstack.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.sun.net.httpserver.HttpServer;
import org.vigil.contracts.Json;

/**
 * Stands in for the gateway as token issuer in a single service's tests: it publishes a JWKS over HTTP, exactly
 * where the gateway does ({@code /auth/jwks}), and mints RS256 tokens with the same claims the gateway puts in
 * them. {@link #forged} signs with a key the JWKS does not hold.
 */
public final class TestTokens {

    public static final String ISSUER = "vigil";
    public static final String AUDIENCE = "vigil-services";
    /** The trusted key's RFC 7638 thumbprint, as the gateway names its key. */
    private static String kid;

    private static KeyPair trusted;
    private static KeyPair untrusted;
    private static HttpServer server;

    private TestTokens() {
    }

    /** The issuer base URL ({@code http://127.0.0.1:<port>/auth}); starts the JWKS server on first use. */
    public static synchronized String issuerBaseUrl() {
        if (server == null) {
            try {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048);
                trusted = g.generateKeyPair();
                untrusted = g.generateKeyPair();
                kid = thumbprint((RSAPublicKey) trusted.getPublic());
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
                byte[] jwks = jwks((RSAPublicKey) trusted.getPublic());
                server.createContext("/auth/jwks", exchange -> {
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    exchange.sendResponseHeaders(200, jwks.length);
                    try (OutputStream os = exchange.getResponseBody()) {
                        os.write(jwks);
                    }
                });
                server.start();
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("cannot start the test token issuer", e);
            }
        }
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/auth";
    }

    /** A valid token for {@code user} with one role and the given sites ({@code "*"} for all). */
    public static String token(String user, String role, String... sites) {
        issuerBaseUrl();
        return sign(claims(user, role, sites, Instant.now().plus(Duration.ofHours(1))), trusted);
    }

    /** A valid footage grant (audience {@code vigil-footage}), as central's gateway makes for an export. */
    public static String footageGrant(String user, String role, String... sites) {
        issuerBaseUrl();
        Map<String, Object> c = claims(user, role, sites, Instant.now().plus(Duration.ofHours(1)));
        c.put("aud", "vigil-footage");
        return sign(c, trusted);
    }

    /** A token that is right in every way except its signature. */
    public static String forged(String user, String role, String... sites) {
        issuerBaseUrl();
        return sign(claims(user, role, sites, Instant.now().plus(Duration.ofHours(1))), untrusted);
    }

    /** A correctly signed token that expired an hour ago. */
    public static String expired(String user, String role, String... sites) {
        issuerBaseUrl();
        return sign(claims(user, role, sites, Instant.now().minus(Duration.ofHours(1))), trusted);
    }

    private static Map<String, Object> claims(String user, String role, String[] sites, Instant exp) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("iss", ISSUER);
        c.put("aud", AUDIENCE);
        c.put("sub", user);
        c.put("upn", user);
        c.put("groups", List.of(role));
        c.put("sites", List.of(sites));
        c.put("iat", exp.minus(Duration.ofHours(2)).getEpochSecond());
        c.put("exp", exp.getEpochSecond());
        c.put("jti", UUID.randomUUID().toString());
        return c;
    }

    private static String sign(Map<String, Object> claims, KeyPair key) {
        try {
            Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
            String header = b64.encodeToString(Json.write(Map.of("alg", "RS256", "typ", "JWT", "kid", kid)));
            String payload = b64.encodeToString(Json.write(claims));
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key.getPrivate());
            s.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
            return header + "." + payload + "." + b64.encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] jwks(RSAPublicKey key) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        Map<String, Object> jwk = Map.of("kty", "RSA", "use", "sig", "alg", "RS256", "kid", kid,
                "n", b64.encodeToString(unsigned(key.getModulus().toByteArray())),
                "e", b64.encodeToString(unsigned(key.getPublicExponent().toByteArray())));
        return Json.write(Map.of("keys", List.of(jwk)));
    }

    /**
     * Writes the trusted signing key where a gateway reads its own ({@code <keysDir>/token-signing-key.pem}, PKCS#8,
     * owner-only), so that gateways started on that directory accept and issue tokens {@link #token} can stand for.
     */
    public static synchronized void writeSigningKey(java.nio.file.Path keysDir) throws IOException {
        issuerBaseUrl();
        java.nio.file.Files.createDirectories(keysDir);
        java.nio.file.Path f = keysDir.resolve("token-signing-key.pem");
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(
                trusted.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        java.nio.file.Files.writeString(f, pem, StandardCharsets.US_ASCII);
        java.nio.file.Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString(
                "rw-------"));
    }

    private static String thumbprint(RSAPublicKey key) throws GeneralSecurityException {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String canonical = "{\"e\":\"" + b64.encodeToString(unsigned(key.getPublicExponent().toByteArray()))
                + "\",\"kty\":\"RSA\",\"n\":\"" + b64.encodeToString(unsigned(key.getModulus().toByteArray()))
                + "\"}";
        return b64.encodeToString(java.security.MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(
                StandardCharsets.UTF_8)));
    }

    private static byte[] unsigned(byte[] twosComplement) {
        if (twosComplement.length > 1 && twosComplement[0] == 0) {
            return java.util.Arrays.copyOfRange(twosComplement, 1, twosComplement.length);
        }
        return twosComplement;
    }
}
