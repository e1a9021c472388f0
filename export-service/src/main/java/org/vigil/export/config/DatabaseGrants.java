package org.vigil.export.config;

import java.util.List;

import jakarta.inject.Singleton;
import org.vigil.runtime.db.GrantCheck;
import org.vigil.runtime.db.RequiredGrants;

/**
 * What this service's database role must hold (deploy/postgres/roles.sql), checked before its migrations run: a
 * missing grant stops the start with a message that names it.
 */
@Singleton
public class DatabaseGrants extends GrantCheck {

    public DatabaseGrants() {
        super("export-service", List.of(
                RequiredGrants.ownSchema("exports"),
                RequiredGrants.readView("events.v1_segments", "the recordings of a package"),
                RequiredGrants.readView("events.v1_motion_events", "the events of a package"),
                RequiredGrants.readView("events.v1_bookmarks", "the bookmarks of a package"),
                RequiredGrants.readView("events.v1_audit_log", "the audit excerpt of a package"),
                RequiredGrants.readView("events.v1_site_clocks", "each site's clock in a package")));
    }
}
