-- Versioned read views: what other services may read of the export jobs (design 0016). A v1_ view's columns are a
-- contract: add a v2_ view beside it, never change it while a reader uses it.

-- retention-service (the cameras, sites and span of a hold on an export): finished jobs only
create view v1_finished_jobs as
    select id, cameras, sites, from_ts, to_ts
    from jobs
    where state = 'done';
