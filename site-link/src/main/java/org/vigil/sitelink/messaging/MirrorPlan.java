package org.vigil.sitelink.messaging;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.kafka.connect.mirror.IdentityReplicationPolicy;
import org.vigil.contracts.Topics;
import org.vigil.sitelink.config.SiteCredentials;
import org.vigil.sitelink.config.Sites;

/**
 * The MirrorMaker 2 configuration for central and its sites (design 0017), in MirrorMaker's own terms:
 * <ul>
 * <li>{@code <site>->central}: the site's metadata topics ({@link #SITE_TO_CENTRAL}) arrive at central named after the
 * site ({@code north.vigil.motion.v1}, the default replication policy), where event-service reads and checks them.
 * Video ({@link Topics#MEDIA}) and previews are never named: they stay at the site.</li>
 * <li>{@code central-><site>}: the camera registry ({@link Topics#CAMERAS}) reaches each site under its own name
 * (identity policy: only central writes it, and it never flows back), filtered by {@link SiteFilter} to that site's
 * cameras: a site never receives another site's camera URLs.</li>
 * </ul>
 * MirrorMaker runs beside central ("consume from remote, produce local"): a WAN cut stalls its consumers, which resume
 * from their committed positions, instead of producers that would have to buffer. Its heartbeat and checkpoint
 * connectors are off: sites send their own heartbeats (with storage), and no consumer group fails over between sites.
 */
public final class MirrorPlan {

    /** What flows from a site to central: every metadata topic, never video. */
    public static final List<String> SITE_TO_CENTRAL = List.of(Topics.MOTION, Topics.DETECTIONS,
            Topics.CAMERA_STATUS, Topics.SEGMENTS, Topics.AUDIT, Topics.ALERTS, Topics.NODE_HEARTBEATS);
    /** What flows from central to each site, filtered to that site's records. */
    public static final List<String> CENTRAL_TO_SITE = List.of(Topics.CAMERAS);

    private MirrorPlan() {
    }

    /**
     * The plan with every site reached in plain text: for tests and benchmarks on one machine.
     *
     * @param central           central's Kafka bootstrap servers
     * @param sites             site id → that site's Kafka bootstrap servers as central reaches them
     * @param replicationFactor of the topics MirrorMaker creates (its own, and the mirrored ones at central)
     * @param refresh           how soon a new topic or partition at either end is found
     */
    public static Map<String, String> of(String central, Map<String, String> sites, int replicationFactor,
            Duration refresh) {
        return of(central, sites, Map.of(), replicationFactor, refresh);
    }

    /**
     * @param credentials site id → how central reaches that site securely; a site not in it is reached in plain text
     */
    public static Map<String, String> of(String central, Map<String, String> sites,
            Map<String, SiteCredentials> credentials, int replicationFactor, Duration refresh) {
        Map<String, String> mm = new LinkedHashMap<>();
        mm.put("clusters", Sites.CENTRAL + "," + String.join(",", sites.keySet()));
        mm.put(Sites.CENTRAL + ".bootstrap.servers", central);
        mm.put("emit.heartbeats.enabled", "false");
        // no consumer group fails over between sites: the checkpoint connector follows none (disabling it outright
        // makes MirrorMaker log a configuration error at every start)
        mm.put("groups.exclude", ".*");
        mm.put("sync.group.offsets.enabled", "false");
        mm.put("sync.topic.acls.enabled", "false");
        mm.put("refresh.topics.interval.seconds", Long.toString(Math.max(1, refresh.toSeconds())));
        mm.put("refresh.groups.interval.seconds", "600");
        // each flow's offset syncs stay at its target: central keeps its own, and a site its own
        mm.put("offset-syncs.topic.location", "target");
        for (String rf : List.of("replication.factor", "offset-syncs.topic.replication.factor",
                "checkpoints.topic.replication.factor", "heartbeats.topic.replication.factor",
                "config.storage.replication.factor", "offset.storage.replication.factor",
                "status.storage.replication.factor")) {
            mm.put(rf, Integer.toString(replicationFactor));
        }
        sites.forEach((site, bootstrap) -> {
            mm.put(site + ".bootstrap.servers", bootstrap);
            SiteCredentials c = credentials.get(site);
            if (c != null) { // every client of the site's cluster: the flows' and the worker's own
                c.clientProperties().forEach((k, v) -> mm.put(site + "." + k, v));
            }

            String up = site + "->" + Sites.CENTRAL + ".";
            mm.put(up + "enabled", "true");
            mm.put(up + "topics", regex(SITE_TO_CENTRAL));

            String down = Sites.CENTRAL + "->" + site + ".";
            mm.put(down + "enabled", "true");
            mm.put(down + "topics", regex(CENTRAL_TO_SITE));
            mm.put(down + "replication.policy.class", IdentityReplicationPolicy.class.getName());
            mm.put(down + "sync.topic.configs.enabled", "false"); // the site made its registry topic itself
            mm.put(down + "transforms", "site");
            mm.put(down + "transforms.site.type", SiteFilter.class.getName());
            mm.put(down + "transforms.site." + SiteFilter.SITE, site);
        });
        return mm;
    }

    /** Every cluster MirrorMaker writes to here: central, and each site (its cameras). */
    public static List<String> targets(Map<String, String> sites) {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(Sites.CENTRAL), sites.keySet().stream())
                .toList();
    }

    private static String regex(List<String> topics) {
        return topics.stream().map(Pattern::quote).collect(Collectors.joining("|"));
    }
}
