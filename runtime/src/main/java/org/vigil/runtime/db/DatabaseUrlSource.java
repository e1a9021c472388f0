package org.vigil.runtime.db;

import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Makes a {@code DATABASE_URL} with several hosts (a primary and its standbys) usable by both of a service's database
 * clients: Quarkus reads the reactive URL as a comma-separated list, which would cut {@code host1,host2/vigil} apart.
 * With several hosts this source gives {@link DatabaseUrl#reactive()} and {@link DatabaseUrl#jdbc()}, above
 * application.properties (which only say {@code ${DATABASE_URL}}) and below an explicit
 * {@code QUARKUS_DATASOURCE_*_URL}. With one host, or no database client on the class path (capture, recorder), it
 * gives nothing, and a malformed URL is left for the client to refuse.
 */
public final class DatabaseUrlSource implements ConfigSource {

    static final String REACTIVE = "quarkus.datasource.reactive.url";
    static final String JDBC = "quarkus.datasource.jdbc.url";

    private final Map<String, String> properties;

    public DatabaseUrlSource() {
        this(System.getProperty("DATABASE_URL", System.getenv("DATABASE_URL")), hasDatabaseClient());
    }

    DatabaseUrlSource(String databaseUrl, boolean databaseClient) {
        this.properties = databaseClient ? derived(databaseUrl) : Map.of();
    }

    private static Map<String, String> derived(String databaseUrl) {
        if (databaseUrl == null || !databaseUrl.contains(",")) {
            return Map.of();
        }
        try {
            DatabaseUrl url = DatabaseUrl.parse(databaseUrl);
            return Map.of(REACTIVE, url.reactive(), JDBC, url.jdbc());
        } catch (IllegalArgumentException e) {
            return Map.of(); // the clients refuse it with their own message
        }
    }

    private static boolean hasDatabaseClient() {
        try {
            Class.forName("io.vertx.pgclient.PgConnectOptions", false, DatabaseUrlSource.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @Override
    public Map<String, String> getProperties() {
        return properties;
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties.keySet();
    }

    @Override
    public String getValue(String name) {
        return properties.get(name);
    }

    @Override
    public String getName() {
        return "vigil DATABASE_URL with standbys";
    }

    /** Above application.properties (250), below environment variables (300). */
    @Override
    public int getOrdinal() {
        return 275;
    }
}
