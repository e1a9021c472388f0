package org.vigil.gateway.messaging;


import io.vertx.core.buffer.Buffer;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.LiveFrame;
import org.vigil.gateway.ws.LiveClients;

/**
 * Live video: the capture service's JPEG previews ({@code vigil.previews.v1}) relayed to the browsers watching each
 * camera. Every gateway reads every preview from the newest on (a group of its own, nothing committed: a preview that
 * is late is worthless). A frame is framed once and the same bytes go to every watcher.
 */
@ApplicationScoped
public class PreviewConsumer {

    private final CameraRegistry cameras;
    private final LiveClients clients;

    public PreviewConsumer(CameraRegistry cameras, LiveClients clients) {
        this.cameras = cameras;
        this.clients = clients;
    }

    @Incoming("previews")
    public void on(ConsumerRecord<String, byte[]> r) {
        if (r.key() == null || r.value() == null || !clients.watched(r.key())) {
            return;
        }
        CameraConfig camera = cameras.get(r.key()).orElse(null);
        if (camera == null) {
            return;
        }
        Buffer message = Buffer.buffer(LiveFrame.ofPreview(r.key(), r.headers(), r.value()));
        clients.frame(r.key(), camera.site(), message);
    }
}
