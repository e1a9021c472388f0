package org.vigil.devstack.testing;

import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The management interface of the service under a {@code @QuarkusTest}: health, metrics and OpenAPI are served there
 * only, on {@code quarkus.management.test-port} (Quarkus' default 9001), never on the port the API tests use.
 */
public final class Management {

    private Management() {
    }

    public static int port() {
        return ConfigProvider.getConfig().getOptionalValue("quarkus.management.test-port", Integer.class).orElse(9001);
    }

    /** {@code http://localhost:<management port><path>}. */
    public static String url(String path) {
        return "http://localhost:" + port() + path;
    }
}
