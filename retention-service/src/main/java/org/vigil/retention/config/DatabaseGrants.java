package org.vigil.retention.config;

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
        super("retention-service", List.of(
                RequiredGrants.ownSchema("retention"),
                RequiredGrants.readView("events.v1_segments",
                        "the recordings it prunes; the site of a camera a hold names"),
                RequiredGrants.readView("events.v1_motion_events", "the camera and span of a hold on an event"),
                RequiredGrants.readView("exports.v1_finished_jobs", "the cameras and span of a hold on an export"),
                RequiredGrants.execute("events.v1_delete_segments", "deleting recordings' index rows")));
    }
}
