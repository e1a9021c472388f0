package org.vigil.export.config;

import java.time.Duration;
import java.util.List;

import io.quarkus.flyway.FlywayConfigurationCustomizer;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.vigil.runtime.db.RequiredGrants;

/**
 * What this service's database role must hold (deploy/postgres/roles.sql), checked before its migrations run: a
 * missing grant stops the start with a message that names it.
 */
@Singleton
public class DatabaseGrants implements FlywayConfigurationCustomizer {

    /** The grants this service's role needs. */
    public static final List<RequiredGrants.Grant> REQUIRED = List.of(
            RequiredGrants.ownSchema("exports"),
            RequiredGrants.readView("events.v1_segments", "the recordings of a package"),
            RequiredGrants.readView("events.v1_motion_events", "the events of a package"),
            RequiredGrants.readView("events.v1_audit_log", "the audit excerpt of a package"));

    /** How long a missing grant is waited for (an owning service may be migrating) before the start fails. */
    @ConfigProperty(name = "vigil.db.grant-wait", defaultValue = "60s")
    Duration grantWait;

    @Override
    public void customize(FluentConfiguration configuration) {
        RequiredGrants.check(configuration.getDataSource(), "export-service", REQUIRED, grantWait);
    }
}
