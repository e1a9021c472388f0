-- Export jobs, owned by the export service. A job is queued, runs (percent and bytes as it goes), and ends done,
-- failed (with the reason) or cancelled. A job found running at start-up was interrupted: it is queued again
-- (it starts over; the partial file is deleted) until max attempts, then failed with the reason.

create table jobs (
    id               uuid        primary key,
    state            text        not null check (state in ('queued', 'running', 'done', 'failed', 'cancelled')),
    cameras          text[]      not null,
    sites            text[]      not null,
    from_ts          timestamptz not null,
    to_ts            timestamptz not null,
    reason           text        not null,
    case_id          text,
    requested_by     text        not null,
    created_at       timestamptz not null default now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    attempts         int         not null default 0,
    cancel_requested boolean     not null default false,
    bytes_total      bigint      not null default 0,
    bytes_done       bigint      not null default 0,
    error            text,
    file_size        bigint,
    file_sha256      text
);
create index jobs_state on jobs (state) where state in ('queued', 'running');
create index jobs_created on jobs (created_at desc);
