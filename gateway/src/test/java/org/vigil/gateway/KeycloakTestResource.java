package org.vigil.gateway;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.vigil.devstack.testing.KeycloakRealm;
import org.vigil.devstack.testing.KeycloakServer;

/** A real Keycloak with the test realm, and the gateway configured for single sign-on against it. */
public class KeycloakTestResource implements QuarkusTestResourceLifecycleManager {

    static volatile KeycloakServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = KeycloakServer.start();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return Map.of(
                "vigil.gateway.oidc.enabled", "true",
                "vigil.gateway.oidc.issuer", server.issuer(),
                "quarkus.oidc.tenant-enabled", "true",
                "quarkus.oidc.auth-server-url", server.issuer(),
                "quarkus.oidc.client-id", KeycloakRealm.GATEWAY_CLIENT_ID,
                "quarkus.oidc.credentials.secret", KeycloakRealm.GATEWAY_CLIENT_SECRET);
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }
}
