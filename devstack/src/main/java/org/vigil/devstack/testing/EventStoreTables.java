package org.vigil.devstack.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * For tests of services that read the event store (export, retention) without running the event service: creates
 * the {@code events} tables with the columns those services use, unpartitioned, when they are missing. The system
 * tests run the same services against the event service's real schema.
 */
public final class EventStoreTables {

    private EventStoreTables() {
    }

    public static void createIfMissing(String jdbcUrl) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "vigil", "")) {
            c.createStatement().execute("""
                    create schema if not exists events;
                    create table if not exists events.segments (segment_id text, camera_id text, site text, root text,
                        path text, started_at timestamptz, ended_at timestamptz, frames bigint, bytes bigint,
                        sha256 text, codec text, width int, height int);
                    create table if not exists events.motion_events (event_id uuid, camera_id text, site text,
                        started_at timestamptz, last_at timestamptz, ended_at timestamptz, score double precision,
                        boxes jsonb default '[]', zone text, labels text[] default '{}');
                    create table if not exists events.audit_log (seq bigint, id uuid, at timestamptz, service text,
                        actor text, action text, target text, site text, outcome text, details jsonb,
                        prev_hash text, hash text);
                    """);
        }
    }
}
