package org.vigil.recorder.messaging;

import java.time.InstantSource;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.vigil.contracts.NodeHeartbeat;
import org.vigil.recorder.config.RecorderConfig;
import org.vigil.recorder.service.RecordingService;
import org.vigil.recorder.service.Storage;

/**
 * Sends this node's {@link NodeHeartbeat} every {@code VIGIL_HEARTBEAT_INTERVAL}: the site it records for, its clock,
 * its storage and how many cameras it is recording. Central learns from them whether a site is in contact, its clock
 * skew and its storage (design 0017). A heartbeat that cannot be sent (this site's Kafka down) is dropped: the next
 * one says the same, newer.
 */
@ApplicationScoped
public class Heartbeats {

    private static final Logger LOG = Logger.getLogger(Heartbeats.class);

    private final RecorderConfig config;
    private final RecorderPublisher publisher;
    private final RecordingService recording;
    private final Storage storage;
    private final InstantSource clock;
    private ScheduledExecutorService timer;
    private volatile long lastWarning;

    public Heartbeats(RecorderConfig config, RecorderPublisher publisher, RecordingService recording, Storage storage,
            InstantSource clock) {
        this.config = config;
        this.publisher = publisher;
        this.recording = recording;
        this.storage = storage;
        this.clock = clock;
    }

    void onStart(@Observes StartupEvent e) {
        if (!org.vigil.runtime.sites.SiteId.valid(config.site())) {
            // one line, no stack: the operator's to fix
            LOG.errorf("VIGIL_SITE '%s' is not a site id: use lower-case letters, digits and '-' (at most 63), "
                    + "starting with a letter or digit", config.site());
            io.quarkus.runtime.Quarkus.asyncExit(2);
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "heartbeats");
            t.setDaemon(true);
            return t;
        });
        long every = config.heartbeatInterval().toMillis();
        timer.scheduleAtFixedRate(this::send, 0, every, TimeUnit.MILLISECONDS);
        LOG.infof("heartbeats for site %s every %d ms", config.site(), every);
    }

    void onStop(@Observes ShutdownEvent e) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /** The heartbeat as of now. */
    NodeHeartbeat current() {
        long total = 0;
        long free = 0;
        try {
            Storage.Disk d = storage.disk();
            total = d.totalBytes();
            free = d.freeBytes();
        } catch (java.io.IOException | RuntimeException e) {
            // the volume is gone: central sees zero bytes, and the recorder's own alert says why
        }
        return new NodeHeartbeat(NodeHeartbeat.VERSION, config.site(), recording.source(), clock.instant(), total, free,
                recording.openSegments().size());
    }

    private void send() {
        try {
            publisher.heartbeat(current());
        } catch (RuntimeException e) {
            long now = System.currentTimeMillis();
            if (now - lastWarning > 60_000) {
                lastWarning = now;
                LOG.warnf("heartbeat not sent (%s); retried every interval", e.getMessage());
            }
        }
    }
}
