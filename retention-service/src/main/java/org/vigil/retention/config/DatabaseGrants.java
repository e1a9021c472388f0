package org.vigil.retention.config;

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
            RequiredGrants.ownSchema("retention"),
            RequiredGrants.readView("events.v1_segments", "the recordings it prunes; the site of a camera a hold names"),
            RequiredGrants.readView("events.v1_motion_events", "the camera and span of a hold on an event"),
            RequiredGrants.readView("exports.v1_finished_jobs", "the cameras and span of a hold on an export"),
            RequiredGrants.execute("events.v1_delete_segments", "deleting recordings' index rows"),
            // known debt (design 0016): pruning the event store takes its tables owner until it moves to event-service
            RequiredGrants.memberOf("vigil_events", "pruning the event store"));

    /** How long a missing grant is waited for (an owning service may be migrating) before the start fails. */
    @ConfigProperty(name = "vigil.db.grant-wait", defaultValue = "60s")
    Duration grantWait;

    @Override
    public void customize(FluentConfiguration configuration) {
        RequiredGrants.check(configuration.getDataSource(), "retention-service", REQUIRED, grantWait);
    }
}
