package org.vigil.system;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.vigil.devstack.testing.ServiceProcesses;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.devstack.testing.TestTokens;

/**
 * Central's packaged event-service on a test's own Kafka and PostgreSQL (the shared Redis and token issuer).
 *
 * @param process its JVM
 * @param port its HTTP port
 * @param management its management port
 * @param log its output
 */
record CentralEvents(Process process, int port, int management, Path log) {

    /** Starts it, stopped when {@code opened} closes; {@code env} adds to or overrides the defaults. */
    static CentralEvents start(Opened opened, String kafka, String databaseUrl, Path log, Map<String, String> env)
            throws Exception {
        int port = SharedServers.freePort();
        int management = SharedServers.freePort();
        String issuer = TestTokens.issuerBaseUrl();
        Map<String, String> all = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka, "DATABASE_URL", databaseUrl,
                "REDIS_URL", SharedServers.redis().url(), "VIGIL_GATEWAY_URL",
                issuer.substring(0, issuer.length() - "/auth".length()), "QUARKUS_HTTP_PORT", Integer.toString(port),
                "QUARKUS_MANAGEMENT_PORT", Integer.toString(management)));
        all.putAll(env);
        return new CentralEvents(opened.add(Stack.service("event-service", "256m", log, all).start()), port,
                management, log);
    }

    /** Waits until it is ready (its readiness checks pass), failing if it exits first. */
    CentralEvents ready() throws InterruptedException {
        ServiceProcesses.awaitReady(management, process, Duration.ofSeconds(120));
        return this;
    }
}
