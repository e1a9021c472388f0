package org.vigil.devstack.testing;

import java.nio.file.Files;
import java.nio.file.Path;

import org.flywaydb.core.Flyway;

/**
 * For tests of a service that reads another service's read views (export and retention read the event store's;
 * retention, export jobs) without running that service: applies the owner's own Flyway migrations, from its source folder
 * in this repository, to the test database. So the tables are the real ones (partitions, constraints, triggers), not a
 * copy that could drift.
 */
public final class ServiceSchemas {

    private ServiceSchemas() {
    }

    /** The event service's schema {@code events}. */
    public static void events(String jdbcUrl) {
        migrate(jdbcUrl, "event-service", "db/migration", "events", "vigil_events");
    }

    /** The gateway's schema {@code identity}. */
    public static void identity(String jdbcUrl) {
        migrate(jdbcUrl, "gateway", "db/migration", "identity", "vigil_identity");
    }

    /** The retention service's schema {@code retention}. */
    public static void retention(String jdbcUrl) {
        migrate(jdbcUrl, "retention-service", "db/retention", "retention", "vigil_retention");
    }

    /** The export service's schema {@code exports}. */
    public static void exports(String jdbcUrl) {
        migrate(jdbcUrl, "export-service", "db/exports", "exports", "vigil_exports");
    }

    /** Migrates as the schema's own role, as its service does: the objects belong to it, with its grants. */
    private static void migrate(String jdbcUrl, String module, String location, String schema, String role) {
        Path dir = repositoryRoot().resolve(module).resolve("src/main/resources").resolve(location);
        Flyway.configure().dataSource(jdbcUrl, role, "").schemas(schema).defaultSchema(schema)
                .locations("filesystem:" + dir).load().migrate();
    }

    static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("event-service")) && Files.isRegularFile(p.resolve("vigil"))) {
                return p;
            }
        }
        throw new IllegalStateException("not inside the Vigil repository: " + Path.of("").toAbsolutePath());
    }
}
