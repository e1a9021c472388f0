-- The audit outbox (runtime's AuditPublisher): every audit entry is written here first, and deleted only once Kafka
-- acknowledged it on vigil.audit.v1, so a broker outage or a restart loses none. A relay leases rows while it sends
-- them (leased_until), so that several instances of the service never send the same rows at once.
create table audit_outbox (
    seq          bigserial   primary key,
    id           uuid        not null unique,
    entry        bytea       not null,
    traceparent  text, -- the W3C trace context of the request that caused the entry (or a new one), sent as a header
    created_at   timestamptz not null default now(),
    leased_until timestamptz
);
