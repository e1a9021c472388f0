package org.vigil.recorder.rest;

import java.io.IOException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;
import org.vigil.contracts.Access;
import org.vigil.contracts.StorageSettings;
import org.vigil.recorder.messaging.MediaConsumer;
import org.vigil.recorder.messaging.RecorderPublisher;
import org.vigil.recorder.service.RecordingService;
import org.vigil.recorder.service.Registry;
import org.vigil.recorder.service.Storage;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** What this recorder is writing, and where (the storage API). Admin only: it spans sites. */
@Path("/api/recorder")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Access.ADMIN)
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

    /** An admin's change: the new directory, and optionally a new floor. */
    public record StorageChange(String recordingsDir, Long minFreeBytes) {
    }

    private final RecordingService recording;
    private final Registry registry;
    private final Storage storage;
    private final RecorderPublisher publisher;
    private final MediaConsumer consumer;
    private final SecurityIdentity identity;
    private final InstantSource clock;

    public RecorderResource(RecordingService recording, Registry registry, Storage storage, RecorderPublisher publisher,
            MediaConsumer consumer, SecurityIdentity identity, InstantSource clock) {
        this.recording = recording;
        this.registry = registry;
        this.storage = storage;
        this.publisher = publisher;
        this.consumer = consumer;
        this.identity = identity;
        this.clock = clock;
    }

    @GET
    @Path("/cameras")
    public List<CameraState> cameras() {
        Map<String, RecordingService.OpenSegment> open = recording.openSegments().stream()
                .collect(Collectors.toMap(RecordingService.OpenSegment::cameraId, Function.identity()));
        return registry.all().stream()
                .map(c -> {
                    RecordingService.OpenSegment o = open.get(c.id());
                    return new CameraState(c.id(), c.site(), c.recording(), o == null ? null : o.startedAt(),
                            o == null ? 0 : o.frames());
                })
                .sorted(Comparator.comparing(CameraState::id))
                .toList();
    }

    @GET
    @Path("/storage")
    public StorageReport storage() throws IOException {
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
    @PUT
    @Path("/storage")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response setStorage(StorageChange change) throws IOException {
        String actor = identity.getPrincipal().getName();
        if (change == null) {
            return bad("body", "a JSON body {\"recordingsDir\": \"/absolute/path\"} is required");
        }
        if (change.minFreeBytes() != null && change.minFreeBytes() < 0) {
            return bad("minFreeBytes", "minFreeBytes must be zero or more");
        }
        Optional<String> invalid = Storage.validate(change.recordingsDir());
        if (invalid.isPresent()) {
            publisher.audit(actor, "recorder.storage.set", change.recordingsDir(), "failure",
                    Map.of("reason", invalid.get()));
            return bad("recordingsDir", invalid.get());
        }
        StorageSettings next = storage.next(change.recordingsDir(), change.minFreeBytes(), actor, clock.instant());
        String before = storage.current().root().toString();
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
        Map<String, String> details = new LinkedHashMap<>();
        details.put("from", before);
        details.put("to", next.recordingsDir());
        details.put("minFreeBytes", Long.toString(next.minFreeBytes()));
        publisher.audit(actor, "recorder.storage.set", next.recordingsDir(), "success", details);
        return Response.ok(storage()).build();
    }

    private static Response bad(String field, String message) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", "bad_request");
        body.put("parameter", field);
        body.put("message", message);
        return Response.status(400).type(MediaType.APPLICATION_JSON).entity(body).build();
    }
}
