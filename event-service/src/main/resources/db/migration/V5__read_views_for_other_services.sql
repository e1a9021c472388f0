-- Versioned read views: what other services may read of the event store (design 0016). Their names and columns are
-- a contract: a migration may add a v2_ view beside one of these, never change or drop a v1_ one while a reader uses
-- it (ReadViewsTest fails when a column changes). Simple views: the planner reads through them, so partition pruning
-- and the indexes work as on the tables.

-- export-service (the segments and events of a package; the sites of cameras) and retention-service (a camera's site)
create view v1_segments as
    select segment_id, camera_id, site, root, path, started_at, ended_at, frames, bytes, sha256
    from segments;

-- export-service (the events of a package) and retention-service (the camera and span of a hold on an event)
create view v1_motion_events as
    select event_id, camera_id, site, started_at, ended_at, last_at, score, zone, labels
    from motion_events;

-- export-service (the audit excerpt of a package)
create view v1_audit_log as
    select seq, id, at, service, actor, action, target, site, outcome, details, prev_hash, hash
    from audit_log;
