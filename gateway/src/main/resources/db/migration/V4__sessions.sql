-- Browser sessions: one row per sign-in, its id in the session token. Ending a session stamps ended_at; every
-- gateway polls for new stamps and refuses those sessions' tokens (and closes their WebSockets) within seconds.

create table sessions (
    id          text        primary key,
    username    text        not null,
    source      text        not null,
    created_at  timestamptz not null default now(),
    expires_at  timestamptz not null,
    ended_at    timestamptz,
    end_reason  text
);

create index sessions_active_by_user on sessions (username) where ended_at is null;
create index sessions_by_end on sessions (ended_at) where ended_at is not null;
create index sessions_by_expiry on sessions (expires_at);
