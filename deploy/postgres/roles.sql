-- Vigil's PostgreSQL roles: each service logs in as its own role, which owns its own schema and holds nothing else but
-- what another schema's owner grants it (its versioned read views, in that owner's migrations). A role that lacks a
-- grant stops its service at start-up with a message naming the grant.
--
-- Run as a superuser in Vigil's database (psql -d vigil -f roles.sql) before the services first start, and again
-- after an upgrade: it is idempotent, and it hands a schema's existing objects to its owner (an installation from
-- before per-service roles kept them all under one role). Passwords are not set here: give each role its own, the
-- DATABASE_PASSWORD of the service that logs in as it (ALTER ROLE vigil_events PASSWORD '...').
--
--   role              service            schema     reads (granted by the owner's migrations)
--   vigil_identity    gateway            identity   -
--   vigil_events      event-service      events     retention.v1_active_holds, v1_lock_holds() (event retention)
--   vigil_exports     export-service     exports    events.v1_segments, v1_motion_events, v1_audit_log
--   vigil_retention   retention-service  retention  events.v1_segments, v1_motion_events; exports.v1_finished_jobs
--   vigil_auditor     vigil verify-audit -          events.v1_audit_log

do $$
declare
    r text;
begin
    foreach r in array array['vigil_identity', 'vigil_events', 'vigil_exports', 'vigil_retention', 'vigil_auditor'] loop
        if not exists (select 1 from pg_roles where rolname = r) then
            execute format('create role %I login', r);
        end if;
    end loop;
end $$;

-- Before event-service pruned its own tables, retention did, as a member of vigil_events: an upgrade takes it back.
do $$
begin
    if pg_has_role('vigil_retention', 'vigil_events', 'member') then
        revoke vigil_events from vigil_retention;
    end if;
end $$;

-- Each schema, owned by its service's role, with everything in it (an upgrade from one shared role moves them).
do $$
declare
    s record;
    o record;
begin
    for s in select * from (values ('identity', 'vigil_identity'), ('events', 'vigil_events'),
                                    ('exports', 'vigil_exports'), ('retention', 'vigil_retention')) v(schema, owner) loop
        execute format('create schema if not exists %I authorization %I', s.schema, s.owner);
        execute format('alter schema %I owner to %I', s.schema, s.owner);
        execute format('revoke all on schema %I from public', s.schema);
        for o in select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
                 where n.nspname = s.schema and c.relkind in ('r', 'p', 'v', 'm', 'f')
                   and c.relowner <> (select oid from pg_roles where rolname = s.owner) loop
            -- a table's owned sequences follow it
            execute format('alter %s %I.%I owner to %I',
                           case o.relkind when 'v' then 'view' when 'm' then 'materialized view'
                                          when 'f' then 'foreign table' else 'table' end,
                           s.schema, o.relname, s.owner);
        end loop;
        for o in select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                 where n.nspname = s.schema and c.relkind = 'S'
                   and c.relowner <> (select oid from pg_roles where rolname = s.owner)
                   and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype in ('a', 'i')) loop
            execute format('alter sequence %I.%I owner to %I', s.schema, o.relname, s.owner);
        end loop;
        for o in select p.oid::regprocedure as f from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                 where n.nspname = s.schema and p.proowner <> (select oid from pg_roles where rolname = s.owner) loop
            execute format('alter routine %s owner to %I', o.f, s.owner);
        end loop;
        for o in select t.typname from pg_type t join pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = s.schema and t.typtype in ('e', 'd')
                   and t.typowner <> (select oid from pg_roles where rolname = s.owner) loop
            execute format('alter type %I.%I owner to %I', s.schema, o.typname, s.owner);
        end loop;
    end loop;
end $$;

-- Nothing else in this database for the service roles: no new schemas, and no objects in public.
do $$
begin
    execute format('revoke create on database %I from public', current_database());
end $$;
revoke all on schema public from public;
