package org.vigil.capture.messaging;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.vigil.capture.config.CaptureConfig;
import org.vigil.contracts.LiveDemand;
import org.vigil.runtime.live.LiveDemandBoard;

/**
 * Whether anyone reads a camera's live-only streams (design 0023): its sub-stream packets and its JPEG previews go to
 * Kafka only then, from the leases on {@code vigil.live-demand.v1} that the recorder's live view and the gateways'
 * previews readers hold while viewers watch. With {@code vigil.capture.live.on-demand=false} they are always wanted.
 */
@ApplicationScoped
public class LiveStreams {

    private final String bootstrap;
    private final boolean onDemand;
    private volatile LiveDemandBoard board;

    @Inject
    public LiveStreams(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap, CaptureConfig settings) {
        this(bootstrap, settings.live().onDemand());
    }

    private LiveStreams(String bootstrap, boolean onDemand) {
        this.bootstrap = bootstrap;
        this.onDemand = onDemand;
    }

    /** Every live-only stream wanted, always: for tests of what capture sends. */
    public static LiveStreams always() {
        return new LiveStreams(null, false);
    }

    void onStart(@Observes StartupEvent e) {
        if (onDemand) {
            board = LiveDemandBoard.start(bootstrap, "vigil-capture-live-demand");
        }
    }

    void onStop(@Observes ShutdownEvent e) {
        LiveDemandBoard b = board;
        if (b != null) {
            b.stop();
        }
    }

    /** Whether someone reads {@code camera}'s sub-stream now. */
    public boolean subStream(String camera) {
        return wanted(camera, LiveDemand.SUBSTREAM);
    }

    /** Whether someone reads {@code camera}'s previews now. */
    public boolean previews(String camera) {
        return wanted(camera, LiveDemand.PREVIEWS);
    }

    private boolean wanted(String camera, String stream) {
        if (!onDemand) {
            return true;
        }
        LiveDemandBoard b = board;
        return b != null && b.wanted(camera, stream);
    }
}
