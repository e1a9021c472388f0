-- The audit log is append-only: rows are never changed or deleted one by one. (Retention removes whole old
-- partitions, which row triggers do not see; tampering by the table's owner with triggers disabled is what the hash
-- chain is for: GET /api/audit/verify and vigil verify-audit find it.)
create function events.audit_log_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'the audit log is append-only: % is not allowed', tg_op using errcode = 'insufficient_privilege';
end $$;

create trigger audit_log_append_only before update or delete on events.audit_log
    for each row execute function events.audit_log_append_only();
