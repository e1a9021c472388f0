-- Vigil event store, owned by event-service. Times are UTC (timestamptz).

create table motion_events (
    event_id    uuid             primary key,
    camera_id   text             not null,
    site        text             not null,
    started_at  timestamptz      not null,
    last_at     timestamptz      not null,
    ended_at    timestamptz,
    score       double precision not null,
    boxes       jsonb            not null default '[]',
    zone        text,
    stored_at   timestamptz      not null default now()
);
create index motion_events_site_started on motion_events (site, started_at desc);
create index motion_events_camera_started on motion_events (camera_id, started_at desc);

create table snapshots (
    event_id   uuid        primary key,
    jpeg       bytea       not null,
    stored_at  timestamptz not null default now()
);

create table segments (
    segment_id  text        primary key,
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
    stored_at   timestamptz not null default now()
);
create index segments_camera_started on segments (camera_id, started_at);

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
    primary key (camera_id, at)
);
