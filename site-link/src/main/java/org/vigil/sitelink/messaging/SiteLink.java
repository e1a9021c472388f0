package org.vigil.sitelink.messaging;

import java.time.Duration;
import java.util.Map;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.connect.mirror.MirrorMaker;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.vigil.sitelink.config.Sites;

/**
 * Runs MirrorMaker 2 in dedicated mode beside central, with the {@link MirrorPlan} of {@code VIGIL_SITES}: a herder
 * per target cluster (central, and each site for its cameras), each keeping its state in that cluster's topics, so a
 * restart resumes where it stopped. A WAN cut shows in the sites' contact at central (event-service), not here:
 * MirrorMaker retries on its own.
 */
@ApplicationScoped
public class SiteLink {

    private static final Logger LOG = Logger.getLogger(SiteLink.class);

    private final String central;
    private final String sites;
    private final int replicationFactor;
    private final Duration refresh;
    private volatile MirrorMaker mirror;

    public SiteLink(@ConfigProperty(name = "vigil.site-link.central") String central,
            @ConfigProperty(name = "vigil.site-link.sites") String sites,
            @ConfigProperty(name = "vigil.site-link.replication-factor") int replicationFactor,
            @ConfigProperty(name = "vigil.site-link.refresh") Duration refresh) {
        this.central = central;
        this.sites = sites;
        this.replicationFactor = replicationFactor;
        this.refresh = refresh;
    }

    void onStart(@Observes StartupEvent e) {
        Map<String, String> linked;
        try {
            linked = Sites.parse(sites);
        } catch (IllegalArgumentException bad) {
            LOG.error(bad.getMessage()); // one line, no stack: the operator's to fix
            io.quarkus.runtime.Quarkus.asyncExit(2);
            return;
        }
        mirror = start(central, linked, replicationFactor, refresh);
        LOG.infof("linking %d sites to central (%s): %s", linked.size(), central, String.join(", ", linked.keySet()));
    }

    /** Starts MirrorMaker for these sites; the caller stops it. */
    public static MirrorMaker start(String central, Map<String, String> sites, int replicationFactor,
            Duration refresh) {
        MirrorMaker mm = new MirrorMaker(MirrorPlan.of(central, sites, replicationFactor, refresh),
                MirrorPlan.targets(sites));
        mm.start();
        return mm;
    }

    void onStop(@Observes ShutdownEvent e) {
        MirrorMaker mm = mirror;
        mirror = null;
        if (mm != null) {
            mm.stop();
        }
    }

    /** Whether MirrorMaker has started (and not stopped). */
    public boolean running() {
        return mirror != null;
    }
}
