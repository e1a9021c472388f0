-- A queued export of a remote site's footage holds the grant its job fetches the segments with (design 0017 §3): a
-- token only the sites' recorders accept, for their segments alone, for 12 hours. It is cleared when the job ends.
-- No read view shows it.
alter table jobs add column footage_grant text;
