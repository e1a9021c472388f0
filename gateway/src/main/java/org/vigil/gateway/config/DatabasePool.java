package org.vigil.gateway.config;

import jakarta.inject.Singleton;
import org.vigil.runtime.db.PrimaryPool;

/** The reactive pool: to the primary among DATABASE_URL's hosts, found again after a failover (design 0017). */
@Singleton
public class DatabasePool extends PrimaryPool {
}
