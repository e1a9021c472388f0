package org.vigil.recorder.rest;

import java.io.IOException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.Claim;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;
import org.vigil.contracts.Access;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.StorageSettings;
import org.vigil.recorder.messaging.MediaConsumer;
import org.vigil.recorder.messaging.RecorderPublisher;
import org.vigil.recorder.messaging.Registry;
import org.vigil.recorder.service.DeletionPreview;
import org.vigil.recorder.service.RecordingService;
import org.vigil.recorder.service.Storage;

/** What this recorder is writing, and where (the storage API). Admins; the storage itself, admins of every site. */
@Path("/api/recorder")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Access.ADMIN)
@RequestScoped
public class RecorderResource {

    private static final Logger LOG = Logger.getLogger(RecorderResource.class);

    /** A camera as this recorder sees it: its recording switch and the segment being written, if any. */
    public record CameraState(String id, String site, boolean recording, Instant openSegmentStartedAt,
            long openSegmentFrames) {
    }

    /**
     * The storage report: where segments go, the disk, how fast it fills and how long until the floor.
     *
     * @param headroomHours hours until free space reaches the floor at the current rate; {@code null} when nothing is
     *                      being written
     */
    public record StorageReport(String recordingsDir, List<String> formerDirs, long minFreeBytes, long totalBytes,
            long freeBytes, Map<String, Long> bytesPerHour, long totalBytesPerHour, Double headroomHours, String state,
            String stateReason, long lagRecords, long gapPackets, Instant updatedAt, String updatedBy) {
    }

    /**
     * An admin's change: the new directory, and optionally a new floor. {@code confirm}: the code a previous answer
     * gave with its preview of what retention would delete; without it such a change is not made.
     */
    public record StorageChange(String recordingsDir, Long minFreeBytes, String confirm) {
    }

    private final RecordingService recording;
    private final Registry registry;
    private final Storage storage;
    private final RecorderPublisher publisher;
    private final MediaConsumer consumer;
    private final SecurityIdentity identity;
    private final InstantSource clock;
    private final DeletionPreview deletions;
    private final JsonWebToken bearer;

    @Inject
    @Claim(Access.SITES_CLAIM)
    Set<String> sites;

    @Inject
    org.vigil.recorder.config.RecorderConfig config;

    public RecorderResource(RecordingService recording, Registry registry, Storage storage, RecorderPublisher publisher,
            MediaConsumer consumer, SecurityIdentity identity, InstantSource clock, DeletionPreview deletions,
            JsonWebToken bearer) {
        this.deletions = deletions;
        this.bearer = bearer;
        this.recording = recording;
        this.registry = registry;
        this.storage = storage;
        this.publisher = publisher;
        this.consumer = consumer;
        this.identity = identity;
        this.clock = clock;
    }

    /** The cameras of the caller's sites (an admin of some sites does not see the others'). */
    @GET
    @Path("/cameras")
    public List<CameraState> cameras() {
        Map<String, RecordingService.OpenSegment> open = recording.openSegments().stream()
                .collect(Collectors.toMap(RecordingService.OpenSegment::cameraId, Function.identity()));
        return registry.all().stream()
                .filter(c -> Access.siteAllowed(sites, c.site()))
                .map(c -> {
                    RecordingService.OpenSegment o = open.get(c.id());
                    return new CameraState(c.id(), c.site(), c.recording(), o == null ? null : o.startedAt(),
                            o == null ? 0 : o.frames());
                })
                .sorted(Comparator.comparing(CameraState::id))
                .toList();
    }

    /** Where every site's recordings go: an admin of every site only (it names their directories and rates). */
    @GET
    @Path("/storage")
    public Response storageReport() throws IOException {
        if (!Access.everySite(sites)) {
            return everySiteNeeded();
        }
        return Response.ok(storage()).build();
    }

    private StorageReport storage() throws IOException {
        Storage.Current c = storage.current();
        Storage.Disk disk = storage.disk();
        Map<String, Long> rates = new java.util.TreeMap<>(recording.bytesPerHour());
        long total = rates.values().stream().mapToLong(Long::longValue).sum();
        Double headroom = total == 0 ? null
                : Math.round(Math.max(0, disk.freeBytes() - c.minFreeBytes()) * 10.0 / total) / 10.0;
        return new StorageReport(c.root().toString(), c.former().stream().map(Object::toString).toList(),
                c.minFreeBytes(), disk.totalBytes(), disk.freeBytes(), rates, total, headroom,
                recording.state().name().toLowerCase(), recording.stateReason().orElse(null), consumer.lagRecords(),
                recording.gapPackets(), c.setBy() == null ? null : c.setBy().updatedAt(),
                c.setBy() == null ? null : c.setBy().updatedBy());
    }

    /** Free space on the recordings volume, for every role (the dashboard); no paths, no rates. */
    public record StorageSummary(long freeBytes, long totalBytes, long minFreeBytes, boolean low) {
    }

    @GET
    @Path("/storage/summary")
    @RolesAllowed({Access.VIEWER, Access.OPERATOR, Access.ADMIN})
    public StorageSummary storageSummary() throws IOException {
        Storage.Current c = storage.current();
        Storage.Disk disk = storage.disk();
        return new StorageSummary(disk.freeBytes(), disk.totalBytes(), c.minFreeBytes(),
                disk.freeBytes() < c.minFreeBytes());
    }

    /**
     * Sets where every recorder writes new segments (and optionally the free-space floor). Segments already written
     * stay where they are and stay findable. Validated here; stored in Kafka so every recorder follows it.
     */
    /**
     * Sets where every recorder writes new segments (and optionally the free-space floor). It acts on every site, so
     * only an admin of every site may make it, checked before anything else. The floor must be below the volume's
     * size. A change that would make retention delete footage (a higher floor, another volume) is answered 409 with
     * retention's preview of what would go and a confirmation code; sent again with that code it is made, and the
     * audit entry carries the preview. Segments already written stay where they are and stay findable. Stored in
     * Kafka so every recorder follows it.
     */
    @PUT
    @Path("/storage")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response setStorage(StorageChange change) throws IOException {
        String actor = identity.getPrincipal().getName();
        String target = change == null || change.recordingsDir() == null ? "recordings" : change.recordingsDir();
        if (!Access.everySite(sites)) {
            publisher.audit(actor, "recorder.storage.set", AuditEntry.SETTING + "recorder.storage", config.site(), "denied",
                    Map.of("reason", "not an admin of every site", "recordingsDir", target));
            return everySiteNeeded();
        }
        if (change == null) {
            return bad("body", "a JSON body {\"recordingsDir\": \"/absolute/path\"} is required");
        }
        if (change.minFreeBytes() != null && change.minFreeBytes() < 0) {
            return bad("minFreeBytes", "minFreeBytes must be zero or more");
        }
        Optional<String> invalid = Storage.validate(change.recordingsDir());
        if (invalid.isPresent()) {
            publisher.audit(actor, "recorder.storage.set", AuditEntry.SETTING + "recorder.storage", config.site(), "failure",
                    Map.of("reason", invalid.get(), "recordingsDir", target));
            return bad("recordingsDir", invalid.get());
        }
        StorageSettings next = storage.next(change.recordingsDir(), change.minFreeBytes(), actor, clock.instant());
        Storage.Disk volume = Storage.diskOf(java.nio.file.Path.of(next.recordingsDir()));
        if (next.minFreeBytes() >= volume.totalBytes()) {
            return bad("minFreeBytes", "the floor (" + next.minFreeBytes() + " bytes) must be below the size of the "
                    + "volume holding " + next.recordingsDir() + " (" + volume.totalBytes() + " bytes)");
        }
        Storage.Current before = storage.current();
        Map<String, String> details = new LinkedHashMap<>();
        details.put("from", before.root().toString());
        details.put("to", next.recordingsDir());
        details.put("minFreeBytes", Long.toString(next.minFreeBytes()));
        boolean mayDelete = !before.root().toString().equals(next.recordingsDir())
                || next.minFreeBytes() > before.minFreeBytes();
        if (mayDelete) {
            String code = confirmation(next);
            Optional<DeletionPreview.Preview> preview = deletions.of(next.recordingsDir(), next.minFreeBytes(),
                    bearer.getRawToken());
            if (preview.isEmpty() || preview.get().deletes()) {
                if (!code.equals(change.confirm())) {
                    return confirmationNeeded(preview, code);
                }
                details.putAll(preview.map(DeletionPreview.Preview::auditDetails)
                        .orElse(Map.of("wouldDelete", "unknown: retention did not answer")));
                details.put("confirmed", "true");
            }
        }
        try {
            publisher.storage(next);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Response.status(503).entity(Map.of("error", "unavailable", "message", "interrupted")).build();
        } catch (Exception e) {
            LOG.errorf("storage settings could not be stored in Kafka: %s", e.getMessage());
            return Response.status(503).entity(Map.of("error", "unavailable", "message",
                    "the settings could not be stored (Kafka unavailable); nothing was changed")).build();
        }
        storage.apply(next);
        publisher.audit(actor, "recorder.storage.set", AuditEntry.SETTING + "recorder.storage", config.site(), "success", details);
        return Response.ok(storage()).build();
    }

    /** The code that confirms one change (directory and floor), whatever the preview's figures do meanwhile. */
    static String confirmation(StorageSettings next) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest((next.recordingsDir() + "|"
                    + next.minFreeBytes()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Response confirmationNeeded(Optional<DeletionPreview.Preview> preview, String code) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", "confirmation_required");
        body.put("message", preview.map(p -> "This change makes retention delete " + p.segments() + " recordings ("
                + p.bytes() + " bytes, the oldest unheld first) to keep the new floor free. Send it again with "
                + "\"confirm\": \"" + code + "\" to make it.").orElse("Retention did not answer, so what this change "
                        + "would delete is unknown. Send it again with \"confirm\": \"" + code + "\" to make it anyway."));
        body.put("wouldDelete", preview.orElse(null));
        body.put("confirm", code);
        return Response.status(409).type(MediaType.APPLICATION_JSON).entity(body).build();
    }

    private static Response everySiteNeeded() {
        return Response.status(403).type(MediaType.APPLICATION_JSON).entity(Map.of("error", "forbidden", "message",
                "the recordings storage acts on every site: only an admin of every site (\"*\") may see or change "
                        + "it")).build();
    }

    private static Response bad(String field, String message) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", "bad_request");
        body.put("parameter", field);
        body.put("message", message);
        return Response.status(400).type(MediaType.APPLICATION_JSON).entity(body).build();
    }
}
