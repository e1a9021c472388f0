-- Who may read which read view (deploy/postgres/roles.sql creates the roles). A grant names its reader, so whoever
-- changes a view sees who depends on it; a reader that lacks its grant stops at start-up, naming it.
grant usage on schema events to vigil_exports, vigil_retention, vigil_auditor;
grant select on v1_segments, v1_motion_events to vigil_exports, vigil_retention;
grant select on v1_audit_log to vigil_exports, vigil_auditor;

-- A day partition belongs to this schema's owner whoever's insert or fixture made it (retention, which detaches and
-- drops days, must own what it drops): create_day runs as its owner. Only the owner runs the partition functions.
alter function create_day(text, date) security definer set search_path = events, pg_temp;
revoke execute on function create_day(text, date), ensure_days(text, date[]), ensure_partitions(text, int, int)
    from public;
