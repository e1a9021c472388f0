-- Review (issue 22 item 5, design 0020): whether an operator has looked at an event, per user, and a team flag that
-- says the shift has dealt with it. Neither changes the event; both go when the event goes (retention deletes rows
-- whose event is gone). started_at is the event's, so that a window of events finds its reviews by index.
create table event_reviews (
    event_id    uuid        not null,
    reviewer    text        not null,
    started_at  timestamptz not null,
    reviewed_at timestamptz not null,
    primary key (event_id, reviewer)
);
create index event_reviews_started on event_reviews (started_at);

create table event_team_reviews (
    event_id    uuid        primary key,
    started_at  timestamptz not null,
    reviewed_by text        not null,
    reviewed_at timestamptz not null
);
create index event_team_reviews_started on event_team_reviews (started_at);
