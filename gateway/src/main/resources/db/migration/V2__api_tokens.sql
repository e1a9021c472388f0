-- API tokens for integrators: created and revoked by an admin, the secret shown once and stored as a SHA-256 hash
-- (the secrets are 256 random bits, so a slow password hash adds nothing).

create table api_tokens (
    id              text        primary key,
    name            text        not null,
    secret_hash     text        not null,
    role            text        not null check (role in ('viewer', 'operator', 'admin')),
    sites           text[]      not null,
    created_at      timestamptz not null default now(),
    created_by      text        not null,
    expires_at      timestamptz,
    last_used_at    timestamptz,
    revoked_at      timestamptz,
    revoked_by      text
);

alter table users add column updated_at timestamptz, add column updated_by text;
