-- Ending a session tells every gateway at once: each LISTENs on vigil_session_ended and, when told, reads the new
-- ends as its poll always did (the payload names nothing: the row is the truth). The notice goes out when the
-- transaction commits, and PostgreSQL folds a transaction's identical notices into one.

create function session_ended_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('vigil_session_ended', '');
    return null;
end $$;

create trigger sessions_ended_notify after update of ended_at on sessions
    for each row when (old.ended_at is null and new.ended_at is not null)
    execute function session_ended_notify();
