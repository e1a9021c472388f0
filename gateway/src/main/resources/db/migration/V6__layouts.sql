-- Layouts (issue 22 item 6, design 0020 §4): a user's saved camera groups for the Live grid, with their columns. One
-- user's layouts are theirs alone. The owner is the caller's name (a local account, an OIDC user or an API token's
-- name): not every caller has a row in users, so no foreign key; users are disabled, never deleted.
create table layouts (
    owner       text        not null,
    name        text        not null,
    cameras     text[]      not null,
    columns     int         not null,
    updated_at  timestamptz not null,
    primary key (owner, name)
);
