-- Whether a package also holds an MP4 copy per camera (stream copy of the originals, for any player).
alter table jobs add column include_mp4 boolean not null default false;
