-- The tables retention prunes by whole days (motion_events, camera_status, detections) lose their default partition
-- (issue 8). With a default partition PostgreSQL cannot detach a day CONCURRENTLY, and a plain detach takes the
-- parent's ACCESS EXCLUSIVE lock, which stalls every insert while it commits. Without one, retention detaches days
-- under a SHARE UPDATE EXCLUSIVE lock of the parent, which inserts do not wait for.
--
-- What the default partition did instead: a row for a day that has no partition yet (a replay of old messages, a
-- camera with a wrong clock) now fails with "no partition of relation ... found for row" and the event service
-- creates that day's partition with events.ensure_days and retries, so an insert still never fails for good. Held rows
-- stay in their own day's partition (retention deletes the rest of that day row by row) instead of being moved into
-- the default one. segments and audit_log keep their default partitions: retention never drops their days.

-- Creates parent's partition for UTC day d unless it exists; true when it made it. Callers hold the lock below.
create or replace function events.create_day(parent text, d date) returns boolean
language plpgsql as $$
declare
    name text := parent || '_' || to_char(d, 'YYYYMMDD');
begin
    if to_regclass('events.' || name) is not null then
        return false;
    end if;
    execute format('create table events.%I partition of events.%I for values from (%L) to (%L)',
                   name, parent, d::timestamp at time zone 'UTC', (d + 1)::timestamp at time zone 'UTC');
    return true;
end $$;

-- Creates the day partitions of parent for these UTC days that do not exist yet; returns how many it made. Several
-- instances may call it at once (it takes the same lock as ensure_partitions).
create or replace function events.ensure_days(parent text, days date[]) returns int
language plpgsql as $$
begin
    perform pg_advisory_xact_lock(hashtext('events.ensure_partitions'));
    return (select count(*) filter (where events.create_day(parent, d)) from unnest(days) d);
end $$;

-- The days around today, as before, now in UTC whatever the session's time zone (partition names are UTC days).
create or replace function events.ensure_partitions(parent text, days_back int, days_ahead int) returns int
language plpgsql as $$
declare
    today date := (now() at time zone 'UTC')::date;
    d date;
    made int := 0;
begin
    perform pg_advisory_xact_lock(hashtext('events.ensure_partitions'));
    for d in select generate_series(today - days_back, today + days_ahead, interval '1 day')::date loop
        begin
            if events.create_day(parent, d) then
                made := made + 1;
            end if;
        exception when others then
            -- segments and audit_log: rows of that day already sit in the default partition (an old replay)
            raise notice 'partition %_% not created: %', parent, to_char(d, 'YYYYMMDD'), sqlerrm;
        end;
    end loop;
    return made;
end $$;

-- never called: retention detaches days itself (concurrently, see above)
drop function events.drop_partitions_before(text, date);

do $$
declare
    t record;
    days date[];
begin
    for t in select * from (values ('motion_events', 'started_at'), ('camera_status', 'at'), ('detections', 'at'))
             as x(parent, time_column) loop
        execute format('alter table events.%I detach partition events.%I', t.parent, t.parent || '_default');
        -- every day the default partition held rows of gets a partition, then the rows go back through the parent
        execute format('select coalesce(array_agg(distinct (%I at time zone ''UTC'')::date), ''{}'') from events.%I',
                       t.time_column, t.parent || '_default') into strict days;
        perform events.ensure_days(t.parent, days);
        execute format('insert into events.%I select * from events.%I', t.parent, t.parent || '_default');
        execute format('drop table events.%I', t.parent || '_default');
    end loop;
end $$;
