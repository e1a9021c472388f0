-- Event-service prunes its own tables (the event store's days, design 0016) and must never delete what a legal hold
-- covers. It reads the holds only through this versioned view, and takes the holds' share lock only through
-- v1_lock_holds(): while a transaction holds it, no hold can be placed or released, so a check and a drop in that
-- transaction cannot miss a hold placed in between. Nothing else of this schema is granted.
create view v1_active_holds as
    select id, cameras, from_ts, to_ts, expires_at from holds where released_at is null;

create function v1_lock_holds() returns void
    language plpgsql security definer set search_path = pg_catalog, pg_temp
as $$
begin
    lock table retention.holds in share mode;
end $$;

revoke all on function v1_lock_holds() from public;
grant usage on schema retention to vigil_events;
grant select on v1_active_holds to vigil_events;
grant execute on function v1_lock_holds() to vigil_events;
