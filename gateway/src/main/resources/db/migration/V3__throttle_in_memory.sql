-- Failed sign-ins are counted by the gateway's throttle (per address, per account and address, per account across
-- addresses), which treats unknown names like real ones; the per-row lock that only real accounts had goes.

alter table users drop column failed_logins, drop column locked_until;
