-- Each site node's latest heartbeat, as central received it (design 0017): whether a site is in contact, since when it
-- is not, how far its clock is from central's, and its storage. One row per node; a replayed or late heartbeat never
-- moves a row backwards (last_at only grows).
create table site_nodes (
    site              text        not null,
    node              text        not null,
    mirrored          boolean     not null, -- from a site's mirrored topic (a site node); false: this cluster's own
    last_seen         timestamptz not null, -- central's clock, when the newest heartbeat arrived
    last_at           timestamptz not null, -- the site's clock, in the newest heartbeat
    skew_ms           bigint,               -- site clock behind central's (positive) or ahead (negative), see SiteContact
    storage_total     bigint      not null,
    storage_free      bigint      not null,
    cameras_recording int         not null,
    primary key (site, node)
);
