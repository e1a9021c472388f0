-- How retention-service deletes segment index rows (recordings past their age, over a quota, or for disk space): a
-- versioned function of this schema's owner, not a DELETE on its table. Reads go through v1_segments.
--
-- Deletes the rows named by (segment_id, started_at) that none of the given legal holds covers, and returns those it
-- deleted (their files are the caller's to delete next). The holds are the caller's: retention reads its active holds
-- under a lock that keeps new ones out until its transaction ends, and calls this in that same transaction, so a hold
-- placed meanwhile cannot lose footage. A hold covers a row when the row's camera is one of the hold's and their
-- spans touch (bounds inclusive): footage that only touches a hold's edge is kept too.
--   holds: [{"cameras": ["cam-1", ...], "from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"}, ...]
create function v1_delete_segments(ids text[], started timestamptz[], holds jsonb)
returns table (segment_id text, camera_id text, site text, root text, path text, started_at timestamptz,
               ended_at timestamptz, bytes bigint)
language sql security definer set search_path = events, pg_temp as $$
    with h as (select * from jsonb_to_recordset(coalesce(holds, '[]'::jsonb))
                   as x(cameras text[], "from" timestamptz, "to" timestamptz))
    delete from events.segments s using unnest(ids, started) k(id, started)
    where s.segment_id = k.id and s.started_at = k.started
      and not exists (select 1 from h where s.camera_id = any(h.cameras) and h."from" <= s.ended_at
                                         and h."to" >= s.started_at)
    returning s.segment_id, s.camera_id, s.site, s.root, s.path, s.started_at, s.ended_at, s.bytes
$$;
revoke execute on function v1_delete_segments(text[], timestamptz[], jsonb) from public;
grant execute on function v1_delete_segments(text[], timestamptz[], jsonb) to vigil_retention;
