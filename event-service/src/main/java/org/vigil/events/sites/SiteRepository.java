package org.vigil.events.sites;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/** The {@code events.site_nodes} table: each node's newest heartbeat, and the sites cameras belong to. */
@ApplicationScoped
public class SiteRepository {

    private final Pool pool;

    public SiteRepository(Pool pool) {
        this.pool = pool;
    }

    /** A heartbeat as stored: when it arrived by central's clock, with the node's skew so far. */
    public record Beat(String site, String node, boolean mirrored, Instant arrived, Instant at, Long skewMs,
            long storageTotal, long storageFree, int camerasRecording, String role) {
    }

    /** Stores heartbeats; an older one than a node's stored one (a replay) changes nothing. */
    public Uni<Void> store(List<Beat> beats) {
        if (beats.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = new ArrayList<>();
        for (Beat b : beats) {
            rows.add(Tuple.from(Arrays.asList(b.site(), b.node(), b.mirrored(), odt(b.arrived()), odt(b.at()),
                    b.skewMs(), b.storageTotal(), b.storageFree(), b.camerasRecording(), b.role())));
        }
        return pool.withTransaction(c -> c.preparedQuery("""
                insert into events.site_nodes (site, node, mirrored, last_seen, last_at, skew_ms, storage_total,
                                               storage_free, cameras_recording, role)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                on conflict (site, node) do update set mirrored = excluded.mirrored, role = excluded.role,
                    last_seen = greatest(site_nodes.last_seen, excluded.last_seen), last_at = excluded.last_at,
                    skew_ms = excluded.skew_ms, storage_total = excluded.storage_total,
                    storage_free = excluded.storage_free, cameras_recording = excluded.cameras_recording
                where excluded.last_at >= site_nodes.last_at
                """).executeBatch(rows)).replaceWithVoid();
    }

    /** Every recorder node, by site. */
    public Uni<Map<String, List<SiteStatus.Node>>> nodes() {
        return pool.query("""
                select site, node, mirrored, last_seen, last_at, skew_ms, storage_total, storage_free, cameras_recording
                from events.site_nodes where role = 'recorder' order by site, node
                """).execute().map(rs -> {
            Map<String, List<SiteStatus.Node>> out = new TreeMap<>();
            for (Row r : rs) {
                out.computeIfAbsent(r.getString("site"), k -> new ArrayList<>()).add(new SiteStatus.Node(
                        r.getString("node"), r.getBoolean("mirrored"), r.getOffsetDateTime("last_seen").toInstant(),
                        r.getOffsetDateTime("last_at").toInstant(), r.getLong("skew_ms"), r.getLong("storage_total"),
                        r.getLong("storage_free"), r.getInteger("cameras_recording")));
            }
            return out;
        });
    }

    /** The capture instances heard from since {@code since} (central's clock), by site. */
    public Uni<Map<String, List<String>>> captureNodes(Instant since) {
        return pool.preparedQuery("""
                select site, node from events.site_nodes where role = 'capture' and last_seen > $1 order by site, node
                """).execute(Tuple.of(odt(since))).map(rs -> {
            Map<String, List<String>> out = new TreeMap<>();
            rs.forEach(r -> out.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(r.getString(1)));
            return out;
        });
    }

    /** The sites cameras have reported from (their latest status). */
    public Uni<TreeSet<String>> cameraSites() {
        return pool.query("select distinct site from events.camera_status_latest").execute().map(rs -> {
            TreeSet<String> out = new TreeSet<>();
            rs.forEach(r -> out.add(r.getString(0)));
            return out;
        });
    }

    private static OffsetDateTime odt(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }
}
