package org.vigil.events.sites;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.vigil.contracts.CameraStatus;
import org.vigil.events.StatusChange;
import org.vigil.events.messaging.CameraSites;
import org.vigil.events.service.EventIngest;
import org.vigil.events.service.EventQueries;

/**
 * Says which cameras no one captures because their site has no capture instance left (design 0018 §6). A camera is
 * captured only at its own site; when a site is in contact (its recorders' heartbeats arrive) but none of its capture
 * instances has been heard from within the contact timeout, each of its enabled cameras whose own status has also gone
 * quiet gets the status {@code no_capture_node}: stored as a change of state like any other, and pushed to the live
 * view. A site out of contact is left as it is (its capture instances may well be running behind a cut link); a fresh
 * status from the camera's capture ends the state as any new status does.
 */
@ApplicationScoped
public class CaptureCoverage {

    private static final Logger LOG = Logger.getLogger(CaptureCoverage.class);

    private final SiteContact contact;
    private final CameraSites registry;
    private final EventQueries queries;
    private final EventIngest ingest;
    private final InstantSource clock;
    private final Duration every;
    private volatile boolean running;

    public CaptureCoverage(SiteContact contact, CameraSites registry, EventQueries queries, EventIngest ingest,
            InstantSource clock,
            @ConfigProperty(name = "vigil.events.capture-check-interval", defaultValue = "5s") Duration every) {
        this.contact = contact;
        this.registry = registry;
        this.queries = queries;
        this.ingest = ingest;
        this.clock = clock;
        this.every = every;
    }

    void onStart(@Observes StartupEvent e, Vertx vertx) {
        if (!every.isZero()) {
            vertx.setPeriodic(every.toMillis(), id -> tick());
        }
    }

    private void tick() {
        if (running || !contact.settled()) {
            return;
        }
        running = true;
        check().onTermination().invoke(() -> running = false).subscribe().with(
                n -> {
                    if (n > 0) {
                        LOG.infof("%d cameras have no capture node", n);
                    }
                },
                e -> LOG.warnf("cannot check capture coverage now (%s); retried in %s", e.getMessage(), every));
    }

    /** Marks the cameras of connected sites without a live capture instance; answers how many changed. */
    Uni<Integer> check() {
        Map<String, String> cameras = registry.enabledCameras().orElse(Map.of());
        if (cameras.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return contact.sites(null, new HashSet<>(cameras.values())).chain(sites -> {
            Set<String> uncovered = sites.stream()
                    .filter(s -> SiteStatus.CONNECTED.equals(s.state()) && s.captureNodes().isEmpty())
                    .map(SiteStatus::site).collect(Collectors.toSet());
            if (uncovered.isEmpty()) {
                return Uni.createFrom().item(0);
            }
            return queries.latestStatuses(uncovered).chain(latest -> {
                List<CameraStatus> marks = marks(cameras, uncovered, latest.stream()
                        .collect(Collectors.toMap(StatusChange::cameraId, Function.identity(), (a, b) -> a)));
                return ingest.statuses(marks).replaceWith(marks.size());
            });
        });
    }

    private List<CameraStatus> marks(Map<String, String> cameras, Set<String> uncovered,
            Map<String, StatusChange> latest) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Instant quietSince = now.minus(contact.timeout());
        List<CameraStatus> out = new ArrayList<>();
        cameras.forEach((id, site) -> {
            if (!uncovered.contains(site)) {
                return;
            }
            StatusChange last = latest.get(id);
            if (last != null && (CameraStatus.State.NO_CAPTURE_NODE.wireName().equals(last.state())
                    || last.at().isAfter(quietSince))) {
                return; // said already, or a capture instance spoke of it a moment ago
            }
            // never before the camera's last status, even if the site's clock runs ahead of this one
            Instant at = last == null || now.isAfter(last.at()) ? now : last.at().plusMillis(1);
            out.add(new CameraStatus(CameraStatus.VERSION, id, site, CameraStatus.State.NO_CAPTURE_NODE, 0, 0, 0,
                    null, "no capture instance of site " + site + " has been heard from for "
                            + contact.timeout().toSeconds() + " s",
                    null, at));
        });
        return out;
    }
}
