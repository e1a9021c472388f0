package org.vigil.export.repository;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.Json;
import org.vigil.evidence.ExportPackage;
import org.vigil.evidence.ExportPackage.AuditLine;
import org.vigil.export.Evidence;

/**
 * Reads the event store (schema {@code events}, owned by the event service) for what an export covers: segments,
 * motion events and audit entries. Read-only; the event service's tables are its public record of what was recorded.
 */
@ApplicationScoped
public class EvidenceRepository {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** An export carries at most this many audit entries (the newest). */
    public static final int MAX_AUDIT = 10_000;

    private final Pool pool;

    public EvidenceRepository(Pool pool) {
        this.pool = pool;
    }

    /** Segments of the cameras overlapping [from, to), oldest first. */
    public List<Evidence.Segment> segments(List<String> cameras, Instant from, Instant to) {
        List<Evidence.Segment> out = new ArrayList<>();
        pool.preparedQuery("""
                select segment_id, camera_id, site, root, path, started_at, ended_at, frames, bytes, sha256
                from events.v1_segments
                where camera_id = any($1) and started_at < $3 and ended_at > $2
                order by camera_id, started_at""")
                .execute(Tuple.of(cameras.toArray(String[]::new), odt(from), odt(to))).await().atMost(TIMEOUT)
                .forEach(r -> out.add(new Evidence.Segment(r.getString("segment_id"), r.getString("camera_id"),
                        r.getString("site"), r.getString("root"), r.getString("path"), instant(r, "started_at"),
                        instant(r, "ended_at"), r.getLong("frames"), r.getLong("bytes"), r.getString("sha256"))));
        return out;
    }

    /** Sites of the cameras, from what they recorded or detected (cameras never seen have none). */
    public Map<String, String> sitesOf(List<String> cameras) {
        Map<String, String> out = new java.util.TreeMap<>();
        pool.preparedQuery("""
                select distinct on (camera_id) camera_id, site from events.v1_segments where camera_id = any($1)
                order by camera_id, started_at desc""")
                .execute(Tuple.of((Object) cameras.toArray(String[]::new))).await().atMost(TIMEOUT)
                .forEach(r -> out.put(r.getString(0), r.getString(1)));
        return out;
    }

    /**
     * Each site's clock against central's, from its recorders' newest heartbeats (the node furthest off speaks for
     * the site); sites never heard from are left out.
     */
    public List<ExportPackage.SiteClock> siteClocks(List<String> sites) {
        List<ExportPackage.SiteClock> out = new ArrayList<>();
        pool.preparedQuery("select site, skew_ms, last_seen from events.v1_site_clocks where site = any($1) order by site")
                .execute(Tuple.of((Object) sites.toArray(String[]::new))).await().atMost(TIMEOUT)
                .forEach(r -> out.add(ExportPackage.SiteClock.of(r.getString("site"), r.getLong("skew_ms"),
                        instant(r, "last_seen"))));
        return out;
    }

    /** Motion events of the cameras starting in [from, to), oldest first; at most {@code limit}. */
    public List<Evidence.Event> events(List<String> cameras, Instant from, Instant to, int limit) {
        List<Evidence.Event> out = new ArrayList<>();
        pool.preparedQuery("""
                select event_id, camera_id, site, started_at, ended_at, score, zone, labels
                from events.v1_motion_events
                where camera_id = any($1) and started_at >= $2 and started_at < $3
                order by started_at, event_id limit $4""")
                .execute(Tuple.of(cameras.toArray(String[]::new), odt(from), odt(to), limit)).await().atMost(TIMEOUT)
                .forEach(r -> out.add(new Evidence.Event(r.getUUID("event_id").toString(), r.getString("camera_id"),
                        r.getString("site"), instant(r, "started_at"), instant(r, "ended_at"), r.getDouble("score"),
                        r.getString("zone"), Arrays.asList(r.getArrayOfStrings("labels")))));
        return out;
    }

    /** Bookmarks of the cameras at moments in [from, to), oldest first; at most {@code limit}. */
    public List<Evidence.Bookmark> bookmarks(List<String> cameras, Instant from, Instant to, int limit) {
        List<Evidence.Bookmark> out = new ArrayList<>();
        pool.preparedQuery("""
                select bookmark_id, camera_id, site, at, note, created_by, created_at
                from events.v1_bookmarks
                where camera_id = any($1) and at >= $2 and at < $3
                order by at, bookmark_id limit $4""")
                .execute(Tuple.of(cameras.toArray(String[]::new), odt(from), odt(to), limit)).await().atMost(TIMEOUT)
                .forEach(r -> out.add(new Evidence.Bookmark(r.getUUID("bookmark_id").toString(),
                        r.getString("camera_id"), r.getString("site"), instant(r, "at"), r.getString("note"),
                        r.getString("created_by"), instant(r, "created_at"))));
        return out;
    }

    /** Actions whose entries from before typed targets ({@code camera:}, {@code export:}) named a camera or export. */
    private static final String[] LEGACY_FOOTAGE_ACTIONS = {"recording.view", "recording.download",
        "camera.recording.set", "hold.place", "hold.release", "export.create", "export.cancel", "export.download",
        "export.complete", "export.data"};
    /** Entries about one of the typed targets $1, or (written before targets were typed) bare ids $2 of actions $3. */
    private static final String ABOUT = "(target = any($1) or (target = any($2) and action = any($3)))";

    /** The audit excerpt of an export: its lines, and what the cap left out. */
    public record AuditExcerpt(List<AuditLine> lines, ExportPackage.AuditExcerpt summary) {
    }

    /**
     * The audit entries about this footage: those whose target is one of the cameras ({@code camera:<id>}) or this
     * export ({@code export:<id>}), in chain order, the newest {@value #MAX_AUDIT} at most, with their hashes. Entries
     * written before targets were typed are matched by their bare id, but only for actions about footage: a sign-in
     * attempt under a camera's name never lands in its trail. When the cap leaves entries out, the summary says how
     * many and which range of the log.
     */
    public AuditExcerpt audit(List<String> cameras, String exportId) {
        return audit(cameras, exportId, MAX_AUDIT);
    }

    public AuditExcerpt audit(List<String> cameras, String exportId, int max) {
        List<String> typed = new ArrayList<>();
        List<String> bare = new ArrayList<>(cameras);
        cameras.forEach(c -> typed.add(AuditEntry.CAMERA + c));
        typed.add(AuditEntry.EXPORT + exportId);
        bare.add(exportId);
        List<AuditLine> out = new ArrayList<>();
        pool.preparedQuery("select * from (select seq, id, at, service, actor, action, target, site, outcome, "
                + "details::text as details, prev_hash, hash from events.v1_audit_log where " + ABOUT
                + " order by seq desc limit $4) newest order by seq")
                .execute(Tuple.of(typed.toArray(String[]::new), bare.toArray(String[]::new), LEGACY_FOOTAGE_ACTIONS,
                        max + 1)).await().atMost(TIMEOUT).forEach(r -> out.add(line(r)));
        if (out.size() <= max) {
            return new AuditExcerpt(out, new ExportPackage.AuditExcerpt(out.size(), true, 0, null, null));
        }
        long newestOmitted = out.remove(0).seq(); // one more than the cap was read: it, and all older, are left out
        Row r = pool.preparedQuery("select count(*), min(seq) from events.v1_audit_log where " + ABOUT + " and seq <= $4")
                .execute(Tuple.of(typed.toArray(String[]::new), bare.toArray(String[]::new), LEGACY_FOOTAGE_ACTIONS,
                        newestOmitted)).await().atMost(TIMEOUT).iterator().next();
        return new AuditExcerpt(out, new ExportPackage.AuditExcerpt(out.size(), false, r.getLong(0), r.getLong(1),
                newestOmitted));
    }

    @SuppressWarnings("unchecked")
    private static AuditLine line(Row r) {
        Map<String, String> details = Json.read(r.getString("details").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Map.class);
        return new AuditLine(r.getLong("seq"), r.getUUID("id").toString(), instant(r, "at"), r.getString("service"),
                r.getString("actor"), r.getString("action"), r.getString("target"), r.getString("site"),
                r.getString("outcome"), details, r.getString("prev_hash"), r.getString("hash"));
    }

    private static Instant instant(Row r, String column) {
        OffsetDateTime t = r.getOffsetDateTime(column);
        return t == null ? null : t.toInstant();
    }

    private static OffsetDateTime odt(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }
}
