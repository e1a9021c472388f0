package org.vigil.capture.messaging;

import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.vigil.capture.config.CaptureConfig;
import org.vigil.capture.service.CameraSources;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.contracts.MalformedMessageException;
import org.vigil.contracts.Topics;
import org.vigil.runtime.kafka.ConsumerLoop;

/**
 * Registers the cameras of CAMERA_SOURCES in the camera registry at start-up, in the background (Kafka may still be
 * starting). A camera already in the registry keeps its registry state: what an operator changed there wins over
 * the environment.
 */
@ApplicationScoped
public class SourceRegistration {

    private static final Logger LOG = Logger.getLogger(SourceRegistration.class);

    private final CaptureConfig settings;
    private final CapturePublisher out;
    private final InstantSource clock;
    private final String bootstrap;
    private volatile boolean done;
    private volatile String problem;

    public SourceRegistration(CaptureConfig settings, CapturePublisher out, InstantSource clock,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        this.settings = settings;
        this.out = out;
        this.clock = clock;
        this.bootstrap = bootstrap;
    }

    void onStart(@Observes StartupEvent e) {
        Thread t = new Thread(this::registerWithRetry, "camera-registration");
        t.setDaemon(true);
        t.start();
    }

    private void registerWithRetry() {
        List<CameraSources.Entry> entries = CameraSources.parse(settings.cameraSources().orElse(""),
                settings.site(), clock.instant());
        entries.stream().filter(x -> x.error() != null).forEach(x -> LOG.errorf("CAMERA_SOURCES: %s", x.error()));
        List<CameraConfig> cameras = entries.stream().filter(x -> x.camera() != null).map(CameraSources.Entry::camera)
                .toList();
        while (!done) {
            try {
                register(cameras);
                done = true;
                problem = null;
            } catch (Exception ex) {
                problem = ex.getMessage();
                LOG.warnf("cannot register CAMERA_SOURCES yet (%s); retrying in 5 s", ex.getMessage());
                try {
                    Thread.sleep(5000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void register(List<CameraConfig> cameras) throws Exception {
        if (cameras.isEmpty()) {
            return;
        }
        Map<String, CameraConfig> registry = readRegistry();
        for (CameraConfig c : cameras) {
            CameraConfig existing = registry.get(c.id());
            if (existing == null) {
                out.camera(c);
                LOG.infof("registered camera %s (%s) from CAMERA_SOURCES", c.id(), c.maskedUrl());
            } else if (!existing.url().equals(c.url())
                    || !java.util.Objects.equals(existing.subStreamUrl(), c.subStreamUrl())) {
                LOG.warnf("camera %s is in the registry with source %s%s; CAMERA_SOURCES says %s%s. Keeping the "
                        + "registry's (change it there)", c.id(), existing.maskedUrl(),
                        sub(existing), c.maskedUrl(), sub(c));
            }
        }
    }

    private static String sub(CameraConfig c) {
        return c.subStreamUrl() == null ? "" : " | " + CameraConfig.maskCredentials(c.subStreamUrl());
    }

    /** Reads the compacted registry to its end, without joining any group. */
    private Map<String, CameraConfig> readRegistry() {
        Properties p = ConsumerLoop.properties(bootstrap, "vigil-capture-registration");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        Map<String, CameraConfig> registry = new HashMap<>();
        ConsumerLoop.readToEnd(p, List.of(Topics.CAMERAS), Duration.ofSeconds(30), r -> {
            if (r.value() == null) {
                registry.remove(r.key());
                return;
            }
            try {
                registry.put(r.key(), Json.read(r.value(), CameraConfig.class));
            } catch (MalformedMessageException e) {
                LOG.warnf("unreadable camera registry record %s: %s", r.key(), e.getMessage());
            }
        });
        LOG.debugf("camera registry holds %s", registry.keySet().stream().sorted().collect(Collectors.joining(", ")));
        return registry;
    }

    public boolean done() {
        return done;
    }

    public String problem() {
        return problem;
    }
}
