package org.vigil.gateway.rest;

import java.time.Instant;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.vigil.contracts.Access;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.CameraConfig;
import org.vigil.gateway.messaging.CameraRegistry;
import org.vigil.gateway.security.SessionAuthMechanism;
import org.vigil.gateway.security.TokenService;
import org.vigil.runtime.audit.AuditPublisher;

/** Cameras as the UI needs them (on the caller's sites, never their URLs), and the recording switch. */
@Path("/api/cameras")
@Produces(MediaType.APPLICATION_JSON)
public class CameraResource {

    /** A camera without its stream addresses, which may carry credentials. */
    public record CameraView(String id, String name, String site, boolean recording, Instant updatedAt,
            String updatedBy) {
        static CameraView of(CameraConfig c) {
            return new CameraView(c.id(), c.name(), c.site(), c.recording(), c.updatedAt(), c.updatedBy());
        }
    }

    /** The body of a recording switch: {@code {"recording": true}}. */
    public record RecordingSwitch(Boolean recording) {
    }

    private final CameraRegistry registry;
    private final AuditPublisher audit;
    private final SecurityIdentity identity;
    private final InstantSource clock;

    public CameraResource(CameraRegistry registry, AuditPublisher audit, SecurityIdentity identity,
            InstantSource clock) {
        this.registry = registry;
        this.audit = audit;
        this.identity = identity;
        this.clock = clock;
    }

    @GET
    @RolesAllowed({Access.VIEWER, Access.OPERATOR, Access.ADMIN})
    public List<CameraView> cameras() {
        TokenService.Caller caller = identity.getAttribute(SessionAuthMechanism.CALLER);
        return registry.all().stream().filter(c -> Access.siteAllowed(caller.sites(), c.site()))
                .sorted(Comparator.comparing(CameraConfig::id)).map(CameraView::of).toList();
    }

    /** Switches recording on or off for one camera (operator and admin, on their sites); audited either way. */
    @PUT
    @Path("/{id}/recording")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Access.OPERATOR, Access.ADMIN})
    @Blocking
    public Response setRecording(@PathParam("id") String id, RecordingSwitch body) throws Exception {
        TokenService.Caller caller = identity.getAttribute(SessionAuthMechanism.CALLER);
        if (body == null || body.recording() == null) {
            return Errors.of(400, "bad_request", "a JSON body {\"recording\": true|false} is required");
        }
        Optional<CameraConfig> current = registry.get(id);
        if (current.isEmpty() || !Access.siteAllowed(caller.sites(), current.get().site())) {
            if (current.isPresent()) {
                audit.record(caller.username(), "camera.recording.set", AuditEntry.CAMERA + id, null, "denied",
                        Map.of("site", current.get().site(), "recording", body.recording().toString()));
            }
            return Errors.of(404, "not_found", "no camera " + id + " on your sites"); // other sites are not disclosed
        }
        CameraConfig c = current.get();
        CameraConfig next = new CameraConfig(CameraConfig.VERSION, c.id(), c.name(), c.site(), c.url(), c.subStreamUrl(),
                body.recording(), c.sensitivity(), c.zones(), c.masks(), clock.instant(), caller.username());
        try {
            registry.put(next).toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            audit.record(caller.username(), "camera.recording.set", AuditEntry.CAMERA + id, null, "failure",
                    Map.of("site", c.site(), "recording", body.recording().toString()));
            return Errors.of(503, "unavailable", "the change could not be stored; nothing was changed");
        }
        audit.record(caller.username(), "camera.recording.set", AuditEntry.CAMERA + id, null, "success",
                Map.of("site", c.site(), "recording", body.recording().toString(), "was", Boolean.toString(c.recording())));
        return Response.ok(CameraView.of(next)).build();
    }
}
