package org.vigil.events.sites;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.vigil.contracts.NodeHeartbeat;

/**
 * Whether each site is in contact with central, how far its clock is from central's, and its storage, from its nodes'
 * heartbeats (design 0017).
 * <p>
 * <b>Contact.</b> A site is connected while its nodes' heartbeats keep arriving, by central's clock: a heartbeat that
 * arrives late (queued at the site during a WAN cut, replayed by MirrorMaker after) counts from when it arrived.
 * <p>
 * <b>Clock skew.</b> Each heartbeat gives {@code arrival - at}: the skew plus the time it took to arrive, which is never
 * negative. The smallest of a node's samples over the last minute is therefore the best estimate (as NTP keeps its
 * least-delayed sample): a backlog replayed after a cut arrives late, but the next fresh heartbeat brings the minimum
 * back. What remains is the skew plus the link's smallest delay, well under the 5 s that matters here.
 */
@ApplicationScoped
public class SiteContact {

    /** Beyond this, a site's clock is shown as skewed, and its exports say so. */
    public static final Duration SKEW_LIMIT = Duration.ofSeconds(5);
    static final Duration SKEW_WINDOW = Duration.ofMinutes(1);

    private final SiteRepository repository;
    private final InstantSource clock;
    private final Duration timeout;
    private final Instant started;
    private final Map<String, Deque<long[]>> samples = new ConcurrentHashMap<>();

    public SiteContact(SiteRepository repository, InstantSource clock,
            @ConfigProperty(name = "vigil.events.site-contact-timeout") Duration timeout) {
        this.repository = repository;
        this.clock = clock;
        this.timeout = timeout;
        this.started = clock.instant();
    }

    /** How long after its last heartbeat a node is taken for gone. */
    public Duration timeout() {
        return timeout;
    }

    /**
     * Whether this instance has been up for a contact timeout: before that, a silent node may only be one whose
     * heartbeats are still queued for this instance to read.
     */
    public boolean settled() {
        return !clock.instant().isBefore(started.plus(timeout));
    }

    /**
     * Stores heartbeats as they arrive now.
     *
     * @param mirrored from a site's mirrored topic (a site node), or this cluster's own
     */
    public Uni<Void> heard(List<NodeHeartbeat> beats, List<Boolean> mirrored) {
        Instant now = clock.instant();
        List<SiteRepository.Beat> rows = new ArrayList<>(beats.size());
        for (int i = 0; i < beats.size(); i++) {
            NodeHeartbeat h = beats.get(i);
            long skew = skew(h.site() + "\n" + h.node(), now, Duration.between(h.at(), now).toMillis());
            rows.add(new SiteRepository.Beat(h.site(), h.node(), mirrored.get(i), now, h.at(), skew,
                    h.storageTotalBytes(), h.storageFreeBytes(), h.camerasRecording(), h.role()));
        }
        return repository.store(rows);
    }

    /** Adds a sample of {@code arrival - at} and answers the smallest of the window. */
    long skew(String key, Instant now, long sampleMs) {
        Deque<long[]> window = samples.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (window) {
            long oldest = now.toEpochMilli() - SKEW_WINDOW.toMillis();
            while (!window.isEmpty() && window.peekFirst()[0] < oldest) {
                window.pollFirst();
            }
            window.addLast(new long[] {now.toEpochMilli(), sampleMs});
            return window.stream().mapToLong(s -> s[1]).min().orElse(sampleMs);
        }
    }

    /**
     * Every site in {@code scope} (null: all): those cameras report from, and site nodes. A site without nodes of its
     * own is recorded by this cluster's own nodes (one box), and takes its contact from them.
     */
    public Uni<List<SiteStatus>> sites(Collection<String> scope) {
        return sites(scope, List.of());
    }

    /** As {@link #sites(Collection)}, with {@code alsoSites} among them (sites of registered cameras, say). */
    public Uni<List<SiteStatus>> sites(Collection<String> scope, Collection<String> alsoSites) {
        Instant now = clock.instant();
        return repository.nodes().chain(nodes -> repository.captureNodes(now.minus(timeout)).chain(capture ->
                repository.cameraSites().map(cameraSites -> {
            TreeSet<String> all = new TreeSet<>(cameraSites);
            all.addAll(alsoSites);
            nodes.forEach((site, list) -> {
                // this cluster's own node is named after VIGIL_SITE, but it records every camera site of the box:
                // its name is a site only when cameras report from it, or when there is no camera yet
                if (list.stream().anyMatch(SiteStatus.Node::mirrored) || cameraSites.isEmpty()) {
                    all.add(site);
                }
            });
            List<SiteStatus.Node> local = nodes.values().stream().flatMap(List::stream)
                    .filter(n -> !n.mirrored()).toList();
            List<SiteStatus> out = new ArrayList<>();
            for (String site : all) {
                if (scope != null && !scope.contains(site)) {
                    continue;
                }
                List<SiteStatus.Node> own = nodes.getOrDefault(site, List.of());
                out.add(status(site, own, own.isEmpty() ? local : own, capture.getOrDefault(site, List.of()), now));
            }
            return out;
        })));
    }

    private SiteStatus status(String site, List<SiteStatus.Node> own, List<SiteStatus.Node> contact,
            List<String> captureNodes, Instant now) {
        Instant last = contact.stream().map(SiteStatus.Node::lastSeen).max(Instant::compareTo).orElse(null);
        String state = last == null ? SiteStatus.UNKNOWN
                : last.isAfter(now.minus(timeout)) ? SiteStatus.CONNECTED : SiteStatus.DISCONNECTED;
        Long skew = contact.stream().map(SiteStatus.Node::skewMs).filter(java.util.Objects::nonNull)
                .max((a, b) -> Long.compare(Math.abs(a), Math.abs(b))).orElse(null);
        boolean mirrored = contact.stream().anyMatch(SiteStatus.Node::mirrored);
        return new SiteStatus(site, state, mirrored, last, skew,
                skew != null && Math.abs(skew) > SKEW_LIMIT.toMillis(),
                own.stream().mapToLong(SiteStatus.Node::storageTotalBytes).sum(),
                own.stream().mapToLong(SiteStatus.Node::storageFreeBytes).sum(),
                own.stream().mapToInt(SiteStatus.Node::camerasRecording).sum(), own, captureNodes);
    }
}
