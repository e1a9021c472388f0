-- Time-partitioned event store (issue 5). Every large table is partitioned by day on its time column, so that
-- retention drops or detaches whole partitions instead of running long DELETEs (events.drop_partitions_before).
-- Partitions are created ahead by events.ensure_partitions, which the service runs at start and every hour; a
-- default partition catches rows older than any created day (a replay of old messages), so an insert never fails.

create or replace function events.ensure_partitions(parent text, days_back int, days_ahead int) returns int
language plpgsql as $$
declare
    d date;
    made int := 0;
    name text;
begin
    perform pg_advisory_xact_lock(hashtext('events.ensure_partitions'));
    for d in select generate_series(current_date - days_back, current_date + days_ahead, interval '1 day')::date loop
        name := parent || '_' || to_char(d, 'YYYYMMDD');
        if to_regclass('events.' || name) is null then
            begin
                execute format('create table events.%I partition of events.%I for values from (%L) to (%L)',
                               name, parent, d::timestamptz, (d + 1)::timestamptz);
                made := made + 1;
            exception when others then
                -- rows of that day already sit in the default partition (an old replay): leave them there
                raise notice 'partition % not created: %', name, sqlerrm;
            end;
        end if;
    end loop;
    return made;
end $$;

-- Detaches and drops whole days older than the cutoff (the retention service calls it); returns how many.
create or replace function events.drop_partitions_before(parent text, cutoff date) returns int
language plpgsql as $$
declare
    r record;
    dropped int := 0;
begin
    for r in select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
             join pg_class p on p.oid = i.inhparent join pg_namespace n on n.oid = p.relnamespace
             where n.nspname = 'events' and p.relname = parent and c.relname ~ ('^' || parent || '_[0-9]{8}$')
               and to_date(right(c.relname, 8), 'YYYYMMDD') < cutoff loop
        execute format('alter table events.%I detach partition events.%I', parent, r.relname);
        execute format('drop table events.%I', r.relname);
        dropped := dropped + 1;
    end loop;
    return dropped;
end $$;

-- motion events (labels: what detectors found during the event, e.g. {person})
alter table motion_events rename to motion_events_v1;
alter index motion_events_site_started rename to motion_events_v1_site_started;
alter index motion_events_camera_started rename to motion_events_v1_camera_started;
create table motion_events (
    event_id    uuid             not null,
    camera_id   text             not null,
    site        text             not null,
    started_at  timestamptz      not null,
    last_at     timestamptz      not null,
    ended_at    timestamptz,
    score       double precision not null,
    boxes       jsonb            not null default '[]',
    zone        text,
    labels      text[]           not null default '{}',
    stored_at   timestamptz      not null default now(),
    primary key (started_at, event_id)
) partition by range (started_at);
create table motion_events_default partition of motion_events default;
create index motion_events_site_time on motion_events (site, started_at desc, event_id desc);
create index motion_events_camera_time on motion_events (camera_id, started_at desc, event_id desc);
create index motion_events_id on motion_events (event_id);
create index motion_events_labels on motion_events using gin (labels);
select events.ensure_partitions('motion_events', 7, 7);
insert into motion_events (event_id, camera_id, site, started_at, last_at, ended_at, score, boxes, zone, stored_at)
    select event_id, camera_id, site, started_at, last_at, ended_at, score, boxes, zone, stored_at from motion_events_v1;
drop table motion_events_v1;

-- indexed recording segments
alter table segments rename to segments_v1;
alter index segments_camera_started rename to segments_v1_camera_started;
create table segments (
    segment_id  text        not null,
    camera_id   text        not null,
    site        text        not null,
    root        text        not null,
    path        text        not null,
    started_at  timestamptz not null,
    ended_at    timestamptz not null,
    frames      bigint      not null,
    bytes       bigint      not null,
    sha256      text        not null,
    codec       text        not null,
    width       int         not null,
    height      int         not null,
    stored_at   timestamptz not null default now(),
    primary key (started_at, segment_id)
) partition by range (started_at);
create table segments_default partition of segments default;
create index segments_camera_time on segments (camera_id, started_at);
select events.ensure_partitions('segments', 7, 7);
insert into segments select * from segments_v1;
drop table segments_v1;

-- camera status: the history of changes, and the latest state of every camera
alter table camera_status rename to camera_status_v1;
create table camera_status (
    camera_id   text             not null,
    at          timestamptz      not null,
    site        text             not null,
    state       text             not null,
    fps         double precision not null,
    width       int              not null,
    height      int              not null,
    codec       text,
    last_error  text,
    instance    text,
    primary key (at, camera_id)
) partition by range (at);
create table camera_status_default partition of camera_status default;
create index camera_status_camera_time on camera_status (camera_id, at desc);
select events.ensure_partitions('camera_status', 7, 7);
insert into camera_status select * from camera_status_v1;
create table camera_status_latest (
    camera_id   text             primary key,
    at          timestamptz      not null,
    site        text             not null,
    state       text             not null,
    fps         double precision not null,
    width       int              not null,
    height      int              not null,
    codec       text,
    last_error  text,
    instance    text
);
create index camera_status_latest_site on camera_status_latest (site);
insert into camera_status_latest
    select distinct on (camera_id) * from camera_status_v1 order by camera_id, at desc;
drop table camera_status_v1;

-- what detectors found (ai_data)
create table detections (
    camera_id   text        not null,
    at          timestamptz not null,
    site        text        not null,
    event_id    uuid,
    detector    text        not null,
    objects     jsonb       not null,
    stored_at   timestamptz not null default now(),
    primary key (at, camera_id)
) partition by range (at);
create table detections_default partition of detections default;
create index detections_event on detections (event_id);
create index detections_site_time on detections (site, at desc);
select events.ensure_partitions('detections', 7, 7);

-- the audit log, in topic order (seq = offset in the one-partition audit topic), hash-chained
create table audit_log (
    seq         bigint      not null,
    id          uuid        not null,
    at          timestamptz not null,
    service     text        not null,
    actor       text        not null,
    action      text        not null,
    target      text,
    site        text,
    outcome     text        not null,
    details     jsonb       not null default '{}',
    prev_hash   text        not null,
    hash        text        not null,
    stored_at   timestamptz not null default now(),
    primary key (at, id)
) partition by range (at);
create table audit_log_default partition of audit_log default;
create index audit_log_id on audit_log (id);
create index audit_log_seq on audit_log (seq desc);
create index audit_log_target on audit_log (target, at desc);
select events.ensure_partitions('audit_log', 7, 7);

-- snapshots stay one table (keyed by event id); retention deletes them by stored_at, which is indexed
create index snapshots_stored on snapshots (stored_at);
