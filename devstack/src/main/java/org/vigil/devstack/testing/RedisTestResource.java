package org.vigil.devstack.testing;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** A real Redis server, for {@code @QuarkusTest}s. */
public class RedisTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of("quarkus.redis.hosts", SharedServers.redis().url());
    }

    @Override
    public void stop() {
        // shared by every test class in this JVM; stopped when the JVM exits
    }
}
