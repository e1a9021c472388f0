package org.vigil.devstack.testing;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;

/**
 * A real PostgreSQL 17 server with the {@code vigil} database and the services' roles, for {@code @QuarkusTest}s. The
 * service under test logs in as its own role (its default DATABASE_USER), so a grant it lacks fails its tests too.
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        EmbeddedPostgresServer pg = SharedServers.postgres();
        return Map.of(
                "quarkus.datasource.reactive.url", pg.url(),
                "quarkus.datasource.jdbc.url", pg.jdbcUrl(),
                "quarkus.datasource.password", "");
    }

    @Override
    public void stop() {
        // shared by every test class in this JVM; stopped when the JVM exits
    }
}
