-- Who may read which read view (deploy/postgres/roles.sql creates the roles). A grant names its reader, so whoever
-- changes a view sees who depends on it; a reader that lacks its grant stops at start-up, naming it.
grant usage on schema exports to vigil_retention;
grant select on v1_finished_jobs to vigil_retention;
