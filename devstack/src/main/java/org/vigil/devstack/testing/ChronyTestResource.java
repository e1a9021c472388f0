package org.vigil.devstack.testing;

import java.nio.file.Files;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A real NTP server (Debian's chronyd on loopback) as the gateway's NTP_SERVER, for {@code @QuarkusTest}s. Where
 * chronyd is not installed, no server is set and tests that need one skip with {@link ChronyServer#available()}.
 */
public class ChronyTestResource implements QuarkusTestResourceLifecycleManager {

    private ChronyServer server;

    @Override
    public Map<String, String> start() {
        if (!ChronyServer.available()) {
            return Map.of();
        }
        try {
            server = ChronyServer.start(Files.createTempDirectory("vigil-chrony-"));
        } catch (Exception e) {
            throw new IllegalStateException("chronyd is installed but did not start: " + e.getMessage(), e);
        }
        return Map.of("vigil.gateway.ntp-server", server.address());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }
}
