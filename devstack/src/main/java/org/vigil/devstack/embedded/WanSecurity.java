package org.vigil.devstack.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * How a site node's Kafka listener for central is secured (design 0017 §6): TLS with the site's own key, which central
 * pins (a certificate it trusts for exactly one site), and SCRAM-SHA-512 for the one user that may connect there,
 * {@value #CENTRAL_USER}, central's site-link. What central needs of it is two files: the site's certificate
 * ({@value #CERTIFICATE}) and central's password ({@value #CENTRAL_PASSWORD}).
 *
 * @param keystore         the site's key and certificate (PKCS12), owner-only
 * @param keystorePassword its password
 * @param certificate      the site's certificate, PEM: what central trusts for this site
 * @param centralPassword  the SCRAM password of {@value #CENTRAL_USER}
 */
public record WanSecurity(Path keystore, String keystorePassword, Path certificate, String centralPassword) {

    /** The one user of a site's WAN listener: central's site-link. */
    public static final String CENTRAL_USER = "central";
    public static final String MECHANISM = "SCRAM-SHA-512";
    public static final String KEYSTORE = "site-key.p12";
    public static final String CERTIFICATE = "site-cert.pem";
    public static final String CENTRAL_PASSWORD = "central.password";
    private static final String KEYSTORE_PASSWORD = "site-key.password";
    private static final Pattern SITE = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    @Override
    public String toString() { // never the passwords
        return "WanSecurity[" + keystore + ", " + certificate + "]";
    }

    /**
     * The site's credentials in {@code dir}, made the first time (a key pair and self-signed certificate for
     * {@code CN=vigil-site-<site>} by the JDK's keytool, random passwords); the same ones on every later start, so
     * central's copy stays valid. Everything but the certificate is readable by its owner only.
     */
    public static WanSecurity createOrLoad(Path dir, String site) throws IOException {
        if (!SITE.matcher(site).matches()) {
            throw new IllegalArgumentException("not a site id: " + site);
        }
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path keystore = dir.resolve(KEYSTORE);
        Path certificate = dir.resolve(CERTIFICATE);
        String storePassword = secret(dir.resolve(KEYSTORE_PASSWORD));
        String centralPassword = secret(dir.resolve(CENTRAL_PASSWORD));
        if (!Files.exists(keystore)) {
            Path partial = dir.resolve(KEYSTORE + ".partial");
            Files.deleteIfExists(partial);
            keytool(storePassword, "-genkeypair", "-alias", "site", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=vigil-site-" + site + ", O=Vigil", "-validity", "3650", "-storetype", "PKCS12",
                    "-keystore", partial.toString());
            Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rw-------"));
            Files.move(partial, keystore, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Files.deleteIfExists(certificate);
        }
        if (!Files.exists(certificate)) {
            keytool(storePassword, "-exportcert", "-rfc", "-alias", "site", "-keystore", keystore.toString(), "-file",
                    certificate.toString());
            Files.setPosixFilePermissions(certificate, PosixFilePermissions.fromString("rw-r--r--"));
        }
        return new WanSecurity(keystore, storePassword, certificate, centralPassword);
    }

    /** The broker's settings for listener {@code listener} (lower case), secured so. */
    public Map<String, String> listenerProperties(String listener) {
        String p = "listener.name." + listener + ".";
        return Map.of(p + "sasl.enabled.mechanisms", MECHANISM,
                p + MECHANISM.toLowerCase() + ".sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                p + "ssl.keystore.type", "PKCS12",
                p + "ssl.keystore.location", keystore.toAbsolutePath().toString(),
                p + "ssl.keystore.password", keystorePassword,
                p + "ssl.key.password", keystorePassword);
    }

    /** A password kept in {@code file}, owner-only, made the first time. */
    private static String secret(Path file) throws IOException {
        if (Files.exists(file)) {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        }
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        String s = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Files.deleteIfExists(partial);
        Files.createFile(partial, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(partial, s + "\n", StandardCharsets.UTF_8);
        Files.move(partial, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return s;
    }

    /** Runs the JDK's keytool; the store password goes through its environment, never its command line. */
    private static void keytool(String storePassword, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storepass:env", "VIGIL_STORE_PASSWORD", "-noprompt"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("VIGIL_STORE_PASSWORD", storePassword);
        Process p = pb.start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool " + args[0] + " failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while keytool ran");
        }
    }
}
