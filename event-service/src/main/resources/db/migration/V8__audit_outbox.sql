-- The audit outbox (runtime's AuditPublisher): event-service audits its own event-retention runs, and every entry is
-- written here first and deleted only once Kafka acknowledged it on vigil.audit.v1. Same shape as every service's.
create table audit_outbox (
    seq          bigserial   primary key,
    id           uuid        not null unique,
    entry        bytea       not null,
    traceparent  text,
    created_at   timestamptz not null default now(),
    leased_until timestamptz
);

