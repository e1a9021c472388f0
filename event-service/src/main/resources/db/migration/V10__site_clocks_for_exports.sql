-- export-service (design 0017): how far each site's clock is from central's, written into the exports of that site's
-- footage. The node furthest off speaks for its site. skew_ms is positive when the site's clock is behind central's;
-- last_seen is central's clock at that node's newest heartbeat.
create view v1_site_clocks as
    select distinct on (site) site, skew_ms, last_seen
    from site_nodes
    where skew_ms is not null
    order by site, abs(skew_ms) desc;

grant select on v1_site_clocks to vigil_exports;
