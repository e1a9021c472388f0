package org.vigil.runtime.db;

import java.time.Duration;
import java.util.List;

import io.quarkus.flyway.FlywayConfigurationCustomizer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/**
 * Runs {@link RequiredGrants#check} for a service before Flyway migrates its schema: a service's
 * {@code config/DatabaseGrants} extends this with its name and the grants its role needs. A missing grant is waited
 * for up to {@code vigil.db.grant-wait} (VIGIL_DB_GRANT_WAIT, 60 s: an owning service may be migrating), then stops
 * the start with a message that names it.
 */
public abstract class GrantCheck implements FlywayConfigurationCustomizer {

    private final String service;
    private final List<RequiredGrants.Grant> required;

    protected GrantCheck(String service, List<RequiredGrants.Grant> required) {
        this.service = service;
        this.required = List.copyOf(required);
    }

    @Override
    public void customize(FluentConfiguration configuration) {
        Duration wait = ConfigProvider.getConfig().getOptionalValue("vigil.db.grant-wait", Duration.class)
                .orElse(Duration.ofSeconds(60));
        RequiredGrants.check(configuration.getDataSource(), service, required, wait);
    }
}
