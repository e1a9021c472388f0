package org.vigil.devstack.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;


/**
 * What the test realm ({@code keycloak/vigil-realm.json}) holds: its clients, roles, users and claims, and how it gets
 * where Keycloak imports it.
 */
public final class KeycloakRealm {

    public static final String REALM = "vigil";
    /** Confidential; standard flow, and direct access grants for tests; any redirect URI. */
    public static final String GATEWAY_CLIENT_ID = "vigil-gateway";
    public static final String GATEWAY_CLIENT_SECRET = "gateway-test-secret";
    /** Confidential, client credentials only; its service account is a {@value #ROLE_VIEWER} of site-a. */
    public static final String INTEGRATION_CLIENT_ID = "vigil-integration";
    public static final String INTEGRATION_CLIENT_SECRET = "integration-test-secret";

    public static final String ROLE_VIEWER = "vigil-viewer";
    public static final String ROLE_OPERATOR = "vigil-operator";
    public static final String ROLE_ADMIN = "vigil-admin";

    /** {@value #ROLE_OPERATOR} of site-a. */
    public static final String OLGA = "olga";
    /** {@value #ROLE_VIEWER} of site-b. */
    public static final String VERA = "vera";
    /** {@value #ROLE_ADMIN} of every site ({@code "*"}). */
    public static final String ADAM = "adam";
    /** The password of every user in the realm; e-mails are {@code <username>@vigil.test}. */
    public static final String USER_PASSWORD = "test-password";

    /** Claim with the realm roles (string list) in access and ID tokens; only the three vigil roles appear. */
    public static final String ROLES_CLAIM = "vigil_roles";
    /** Claim with the user's sites (string list) in access and ID tokens. */
    public static final String SITES_CLAIM = "sites";
    /** Added to {@code aud} of access tokens of both clients. */
    public static final String AUDIENCE = "vigil";

    /** Administrator of the master realm, for the admin REST API. */
    public static final String ADMIN_USER = "admin";
    public static final String ADMIN_PASSWORD = "admin";

    private static final String REALM_RESOURCE = "/keycloak/vigil-realm.json";
    private static final String REALM_FILE = "vigil-realm.json";

    private KeycloakRealm() {
    }


    /**
     * Puts the realm file where {@code --import-realm} reads it ({@code <home>/data/import}, the one place
     * start-dev offers). Runs share it, so it is only replaced, atomically, when its content changed.
     */
    static void writeRealm(Path home) throws IOException {
        byte[] realm;
        try (InputStream in = KeycloakRealm.class.getResourceAsStream(REALM_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(REALM_RESOURCE + " is not on the classpath");
            }
            realm = in.readAllBytes();
        }
        Path dir = Files.createDirectories(home.resolve("data/import"));
        Path target = dir.resolve(REALM_FILE);
        if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), realm)) {
            return;
        }
        // not named *-realm.json, so a Keycloak starting meanwhile does not read it half-written
        Path tmp = Files.createTempFile(dir, ".vigil-realm-", ".tmp");
        Files.write(tmp, realm);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
