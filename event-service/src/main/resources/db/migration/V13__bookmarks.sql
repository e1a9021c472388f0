-- Bookmarks (issue 22 item 5, design 0020 §2): an operator marks a moment of a camera with a note. They appear on the
-- timeline, are searched by their note, are audited, and go into exports of a range that covers them (export-service
-- reads them through v1_bookmarks). Retention removes them with the events of their days.
create table bookmarks (
    bookmark_id uuid        primary key,
    camera_id   text        not null,
    site        text        not null,
    at          timestamptz not null,
    note        text        not null,
    created_by  text        not null,
    created_at  timestamptz not null
);
create index bookmarks_camera_at on bookmarks (camera_id, at);
create index bookmarks_site_at on bookmarks (site, at desc);

-- export-service (the bookmarks of a package)
create view v1_bookmarks as
    select bookmark_id, camera_id, site, at, note, created_by, created_at
    from bookmarks;
grant select on v1_bookmarks to vigil_exports;
