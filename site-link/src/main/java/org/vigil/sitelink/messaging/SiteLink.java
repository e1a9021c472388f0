package org.vigil.sitelink.messaging;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.connect.mirror.MirrorMaker;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.vigil.sitelink.config.SiteCredentials;
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
    private final Optional<Path> credentialsDir;
    private final boolean plaintext;
    private final int replicationFactor;
    private final Duration refresh;
    private volatile MirrorMaker mirror;

    public SiteLink(@ConfigProperty(name = "vigil.site-link.central") String central,
            @ConfigProperty(name = "vigil.site-link.sites") String sites,
            @ConfigProperty(name = "vigil.site-link.credentials-dir") Optional<Path> credentialsDir,
            @ConfigProperty(name = "vigil.site-link.plaintext") boolean plaintext,
            @ConfigProperty(name = "vigil.site-link.replication-factor") int replicationFactor,
            @ConfigProperty(name = "vigil.site-link.refresh") Duration refresh) {
        this.central = central;
        this.credentialsDir = credentialsDir;
        this.plaintext = plaintext;
        this.sites = sites;
        this.replicationFactor = replicationFactor;
        this.refresh = refresh;
    }

    void onStart(@Observes StartupEvent e) {
        Map<String, String> linked;
        Map<String, SiteCredentials> credentials;
        try {
            linked = Sites.parse(sites);
            credentials = credentials(linked);
        } catch (IllegalArgumentException bad) {
            LOG.error(bad.getMessage()); // one line, no stack: the operator's to fix
            io.quarkus.runtime.Quarkus.asyncExit(2);
            return;
        }
        mirror = start(central, linked, credentials, replicationFactor, refresh);
        LOG.infof("linking %d sites to central (%s): %s", linked.size(), central, linked.keySet().stream()
                .map(s -> s + (credentials.containsKey(s) ? " (TLS, pinned; SCRAM)" : " (PLAIN TEXT)"))
                .collect(java.util.stream.Collectors.joining(", ")));
    }

    /**
     * Each site's credentials from {@code VIGIL_SITE_LINK_DIR}. A site without them is refused, unless
     * {@code VIGIL_SITE_LINK_PLAINTEXT=true} says plain text is meant (a lab, or links inside a VPN).
     */
    private Map<String, SiteCredentials> credentials(Map<String, String> linked) {
        if (plaintext) {
            java.util.List<String> secured = credentialsDir.map(dir -> linked.keySet().stream().filter(site -> Files
                    .exists(dir.resolve(site + ".pem")) || Files.exists(dir.resolve(site + ".password"))).toList())
                    .orElse(java.util.List.of());
            LOG.warnf("VIGIL_SITE_LINK_PLAINTEXT=true: the links to %s are neither encrypted nor authenticated",
                    linked.keySet().stream().filter(s -> !secured.contains(s)).toList());
            return credentialsDir.map(dir -> SiteCredentials.load(dir, secured)).orElse(Map.of());
        }
        if (credentialsDir.isEmpty()) {
            throw new IllegalArgumentException("VIGIL_SITE_LINK_DIR is not set: it holds each site's <site>.pem and "
                    + "<site>.password, as the site node printed them (or set VIGIL_SITE_LINK_PLAINTEXT=true for "
                    + "links that need no encryption)");
        }
        return SiteCredentials.load(credentialsDir.get(), linked.keySet());
    }

    /** Starts MirrorMaker for these sites, every one reached in plain text; the caller stops it. */
    public static MirrorMaker start(String central, Map<String, String> sites, int replicationFactor,
            Duration refresh) {
        return start(central, sites, Map.of(), replicationFactor, refresh);
    }

    /** Starts MirrorMaker for these sites, those in {@code credentials} secured; the caller stops it. */
    public static MirrorMaker start(String central, Map<String, String> sites,
            Map<String, SiteCredentials> credentials, int replicationFactor, Duration refresh) {
        MirrorMaker mm = new MirrorMaker(MirrorPlan.of(central, sites, credentials, replicationFactor, refresh),
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
