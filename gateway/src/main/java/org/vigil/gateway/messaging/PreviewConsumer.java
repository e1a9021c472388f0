package org.vigil.gateway.messaging;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.LiveDemand;
import org.vigil.contracts.LiveFrame;
import org.vigil.contracts.Topics;
import org.vigil.gateway.ws.LiveClients;
import org.vigil.runtime.kafka.ConsumerLoop;
import org.vigil.runtime.live.LiveDemandSender;

/**
 * Live video: the capture service's JPEG previews ({@code vigil.previews.v1}) relayed to the browsers watching each
 * camera as previews. Every gateway reads every partition itself, with no group and nothing committed (a preview that
 * is late is worthless), and only while someone here watches a camera as previews: with nobody watching, it holds
 * no partition and the broker is not asked anything at all (the loop sleeps); when a first viewer comes they are taken
 * from their end, the newest picture on. A frame is framed once and the same bytes go to every watcher (design 0022).
 * Capture makes a camera's previews only while someone asks for them: this reader holds a lease on those of each
 * camera watched here (design 0023).
 */
@ApplicationScoped
public class PreviewConsumer implements ConsumerLoop.Body {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(PreviewConsumer.class);

    /**
     * How long a poll waits when nothing arrives. A new viewer does not wait for it: the live clients nudge the loop
     * when someone starts watching (design 0029); a viewer leaving is noticed within it.
     */
    static final Duration POLL_TIMEOUT = Duration.ofSeconds(5);

    private final CameraRegistry cameras;
    private final LiveClients clients;
    private final Vertx vertx;
    private final String bootstrap;
    private ConsumerLoop loop;
    private Context context;
    private List<TopicPartition> parts = List.of();
    private boolean idle;
    /** Made with the first viewer of a preview: an idle gateway holds no producer for it. */
    private LiveDemandSender demand;
    /** The leases on the previews of the cameras watched here (design 0023), by camera. */
    private final Map<String, LiveDemandSender.Lease> leases = new HashMap<>();

    public PreviewConsumer(CameraRegistry cameras, LiveClients clients, Vertx vertx,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        this.cameras = cameras;
        this.clients = clients;
        this.vertx = vertx;
        this.bootstrap = bootstrap;
    }

    void onStart(@Observes StartupEvent e) {
        context = vertx.getOrCreateContext();
        loop = ConsumerLoop.start("previews", ConsumerLoop.properties(bootstrap, "vigil-gateway-previews"),
                POLL_TIMEOUT, this);
        clients.onWatch(loop::nudge);
    }

    void onStop(@Observes ShutdownEvent e) {
        if (loop != null) {
            loop.stop(ConsumerLoop.CLOSE_TIMEOUT);
        }
        leases.values().forEach(LiveDemandSender.Lease::close);
        if (demand != null) {
            demand.close();
        }
    }

    @Override
    public void open(KafkaConsumer<String, byte[]> c) {
        parts = ConsumerLoop.partitionsOf(c, List.of(Topics.PREVIEWS));
        idle = true; // nothing assigned until someone watches
    }

    /** Nobody watches: the loop asks Kafka for nothing until someone does (a nudge) or its poll timeout. */
    @Override
    public boolean asleep() {
        return idle;
    }

    @Override
    public void poll(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        Set<String> watched = clients.previewCameras();
        for (ConsumerRecord<String, byte[]> r : records) {
            if (r.key() != null && r.value() != null && watched.contains(r.key())) {
                relay(r);
            }
        }
        idle = follow(c, parts, idle, !watched.isEmpty());
        lease(watched);
    }

    /** Holds a lease on the previews of each camera watched here, and only those: capture makes no others. */
    private void lease(Set<String> watched) {
        leases.entrySet().removeIf(e -> {
            if (watched.contains(e.getKey())) {
                return false;
            }
            e.getValue().close();
            return true;
        });
        for (String camera : watched) {
            if (!leases.containsKey(camera) && cameras.get(camera).isPresent()) {
                if (demand == null) {
                    demand = new LiveDemandSender(bootstrap, "gateway-previews");
                }
                try {
                    leases.put(camera, demand.watch(camera, LiveDemand.PREVIEWS));
                } catch (IllegalArgumentException e) {
                    // a registry entry whose id no lease can name (written around the camera API): its previews
                    // are not asked for, and the reader goes on for every other camera
                    leases.put(camera, () -> { });
                    LOG.warnf("camera %s: its previews cannot be asked of capture (%s)",
                            camera.replaceAll("[^A-Za-z0-9_.-]", "?"), e.getMessage());
                }
            }
        }
    }

    /**
     * Lets go of {@code parts} when nobody watches, takes them from their end when someone does; returns whether they
     * are let go now. Not paused: a consumer with paused partitions wakes ten times a second (design 0029).
     */
    static boolean follow(org.apache.kafka.clients.consumer.Consumer<?, ?> c, List<TopicPartition> parts,
            boolean idle, boolean wanted) {
        if (idle && wanted) {
            c.assign(parts);
            c.seekToEnd(parts);
            return false;
        }
        if (!idle && !wanted) {
            c.assign(List.of());
            return true;
        }
        return idle;
    }

    private void relay(ConsumerRecord<String, byte[]> r) {
        CameraConfig camera = cameras.get(r.key()).orElse(null);
        if (camera == null) {
            return;
        }
        Buffer message = Buffer.buffer(LiveFrame.ofPreview(r.key(), r.headers(), r.value()));
        // on a Vert.x context of its own, as the WebSocket writes expect; frames stay in order on it
        context.runOnContext(v -> clients.frame(r.key(), camera.site(), message));
    }
}
