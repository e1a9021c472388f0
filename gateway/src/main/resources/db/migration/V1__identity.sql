-- Vigil identity store, owned by the gateway.

create table users (
    username        text        primary key,
    password_hash   text,
    role            text        not null check (role in ('viewer', 'operator', 'admin')),
    sites           text[]      not null default '{}',
    disabled        boolean     not null default false,
    failed_logins   int         not null default 0,
    locked_until    timestamptz,
    created_at      timestamptz not null default now(),
    created_by      text        not null
);
