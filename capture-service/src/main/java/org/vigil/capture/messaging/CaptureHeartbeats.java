package org.vigil.capture.messaging;

import java.time.InstantSource;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.vigil.capture.config.CaptureConfig;
import org.vigil.capture.service.CameraSupervisor;
import org.vigil.contracts.NodeHeartbeat;

/**
 * Tells the site, every {@code VIGIL_HEARTBEAT_INTERVAL}, that this capture instance is alive and how many cameras it
 * captures ({@link NodeHeartbeat} with role {@code capture}). Event-service shows the cameras of a site none of whose
 * capture instances is heard from as having no capture node (design 0018 §6). A heartbeat that cannot be sent is
 * dropped: the next says the same, newer.
 */
@ApplicationScoped
public class CaptureHeartbeats {

    private static final Logger LOG = Logger.getLogger(CaptureHeartbeats.class);

    private final CaptureConfig settings;
    private final CapturePublisher out;
    private final CameraSupervisor cameras;
    private final InstantSource clock;
    private ScheduledExecutorService timer;

    public CaptureHeartbeats(CaptureConfig settings, CapturePublisher out, CameraSupervisor cameras,
            InstantSource clock) {
        this.settings = settings;
        this.out = out;
        this.cameras = cameras;
        this.clock = clock;
    }

    void onStart(@Observes StartupEvent e) {
        for (String site : settings.sites()) {
            if (!org.vigil.runtime.sites.SiteId.valid(site)) {
                // one line, no stack: the operator's to fix
                LOG.errorf("site '%s' (VIGIL_SITE or VIGIL_CAPTURE_SITES) is not a site id: use lower-case letters, "
                        + "digits and '-' (at most 63), starting with a letter or digit", site);
                io.quarkus.runtime.Quarkus.asyncExit(2);
                return;
            }
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "heartbeats");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::send, 0, settings.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent e) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /** A heartbeat for each site this instance captures for, with how many of that site's cameras it captures. */
    java.util.List<NodeHeartbeat> current() {
        java.util.Map<String, Long> bySite = cameras.cameras().stream().collect(java.util.stream.Collectors
                .groupingBy(c -> c.camera().site(), java.util.stream.Collectors.counting()));
        return settings.sites().stream().map(site -> new NodeHeartbeat(NodeHeartbeat.VERSION, site,
                "capture-service@" + settings.instance(), clock.instant(), 0, 0,
                bySite.getOrDefault(site, 0L).intValue(), NodeHeartbeat.CAPTURE)).toList();
    }

    private void send() {
        try {
            current().forEach(out::heartbeat);
        } catch (RuntimeException e) {
            LOG.debugf("heartbeat not sent: %s", e.getMessage()); // the publisher logs send failures once a minute
        }
    }
}
