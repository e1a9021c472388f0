-- Capture instances send heartbeats too (design 0018 §6): a site whose capture instances have all gone silent shows its
-- cameras as having no capture node. Rows written before this column existed are recorders'.
alter table site_nodes add column role text not null default 'recorder';
