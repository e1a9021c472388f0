package org.vigil.gateway.config;

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
        super("gateway", List.of(
                RequiredGrants.ownSchema("identity")));
    }
}
