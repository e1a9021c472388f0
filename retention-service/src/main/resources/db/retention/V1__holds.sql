-- Legal holds, owned by the retention service (the only component that deletes). A hold covers a camera and time
-- range, or one event; while active (not released, not expired) nothing it covers is deleted by any path.
create table holds (
    id           uuid        primary key,
    kind         text        not null check (kind in ('range', 'event')),
    camera_id    text        not null,
    site         text        not null,
    from_ts      timestamptz not null,
    to_ts        timestamptz not null,
    event_id     uuid,
    case_id      text        not null,
    reason       text        not null,
    placed_by    text        not null,
    placed_at    timestamptz not null default now(),
    expires_at   timestamptz,
    released_by  text,
    released_at  timestamptz,
    check (to_ts > from_ts)
);
create index holds_active on holds (camera_id, from_ts, to_ts) where released_at is null;
