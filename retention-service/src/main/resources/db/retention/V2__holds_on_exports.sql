-- A hold may cover an export: every camera of the export over its range. So a hold names its cameras and sites as
-- arrays (one element for a range or event hold); the export it covers, if any, is kept for reference.
alter table holds add column cameras text[];
alter table holds add column sites text[];
alter table holds add column export_id uuid;
update holds set cameras = array[camera_id], sites = array[site];
alter table holds alter column cameras set not null;
alter table holds alter column sites set not null;
drop index holds_active;
alter table holds drop column camera_id;
alter table holds drop column site;
alter table holds drop constraint holds_kind_check;
alter table holds add constraint holds_kind_check check (kind in ('range', 'event', 'export'));
alter table holds add constraint holds_cover check (cardinality(cameras) >= 1 and cardinality(sites) >= 1);
create index holds_active on holds using gin (cameras) where released_at is null;
