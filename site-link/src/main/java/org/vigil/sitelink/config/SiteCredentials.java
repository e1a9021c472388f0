package org.vigil.sitelink.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What central needs to reach one site node's Kafka (design 0017 §6): the site's certificate, the only one central
 * trusts for that site (pinned: a site node that shows another site's certificate, or any other, fails the TLS
 * handshake), and central's SCRAM password at that site. Both are files in {@code VIGIL_SITE_LINK_DIR}:
 * {@code <site>.pem}, as the site node printed it, and {@code <site>.password}, readable by its owner only.
 *
 * @param certificate the site's certificate, PEM
 * @param password    central's SCRAM-SHA-512 password at the site
 */
public record SiteCredentials(Path certificate, String password) {

    /** The user central's site-link is at every site (the site node's launcher creates it). */
    public static final String CENTRAL_USER = "central";

    @Override
    public String toString() { // never the password
        return "SiteCredentials[" + certificate + "]";
    }

    /**
     * Reads each site's two files from {@code dir}.
     *
     * @throws IllegalArgumentException naming the file that is missing, unreadable, readable by others or not a
     *                                  certificate
     */
    public static Map<String, SiteCredentials> load(Path dir, Collection<String> sites) {
        Map<String, SiteCredentials> out = new LinkedHashMap<>();
        for (String site : sites) {
            Path cert = dir.resolve(site + ".pem");
            Path pass = dir.resolve(site + ".password");
            for (Path f : new Path[] {cert, pass}) {
                if (!Files.isRegularFile(f) || !Files.isReadable(f)) {
                    throw new IllegalArgumentException("VIGIL_SITE_LINK_DIR: " + f + " is missing or unreadable (site "
                            + site + "'s node printed what to copy there when it started)");
                }
            }
            try {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(pass);
                if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                    throw new IllegalArgumentException("VIGIL_SITE_LINK_DIR: " + pass + " is readable by others: "
                            + "chmod 600 it");
                }
                try (InputStream in = Files.newInputStream(cert)) {
                    if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
                        throw new CertificateException("no certificate");
                    }
                }
                String password = Files.readString(pass, StandardCharsets.UTF_8).strip();
                if (password.isEmpty() || password.contains("\"") || password.contains("\\")) {
                    throw new IllegalArgumentException("VIGIL_SITE_LINK_DIR: " + pass + " must hold one password "
                            + "without quotes or backslashes");
                }
                out.put(site, new SiteCredentials(cert.toAbsolutePath(), password));
            } catch (CertificateException e) {
                throw new IllegalArgumentException("VIGIL_SITE_LINK_DIR: " + cert + " is not a PEM certificate");
            } catch (IOException e) {
                throw new IllegalArgumentException("VIGIL_SITE_LINK_DIR: cannot read " + site + "'s files: "
                        + e.getMessage());
            }
        }
        return out;
    }

    /**
     * The Kafka client settings of every client that reaches the site: TLS trusting only the site's certificate, and
     * SCRAM as {@value #CENTRAL_USER}. The host name is not checked: the certificate itself is pinned, which is
     * stricter, and the site may be reached through a NAT, a relay or a VPN under any name.
     */
    public Map<String, String> clientProperties() {
        return Map.of("security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + CENTRAL_USER + "\" password=\"" + password + "\";",
                "ssl.truststore.type", "PEM",
                "ssl.truststore.location", certificate.toString(),
                "ssl.endpoint.identification.algorithm", "");
    }
}
