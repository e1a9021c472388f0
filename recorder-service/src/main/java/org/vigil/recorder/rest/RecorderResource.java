package org.vigil.recorder.rest;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.vigil.contracts.Access;
import org.vigil.recorder.service.CameraDirectory;
import org.vigil.recorder.service.RecordingService;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** What this recorder knows and is writing right now. Admin only: it spans sites. */
@Path("/api/recorder")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Access.ADMIN)
public class RecorderResource {

    /** A camera as this recorder sees it: its recording switch and the segment being written, if any. */
    public record CameraState(String id, String site, boolean recording, Instant openSegmentStartedAt,
            long openSegmentFrames) {
    }

    private final RecordingService recording;
    private final CameraDirectory directory;

    public RecorderResource(RecordingService recording, CameraDirectory directory) {
        this.recording = recording;
        this.directory = directory;
    }

    @GET
    @Path("/cameras")
    public List<CameraState> cameras() {
        Map<String, RecordingService.OpenSegment> open = recording.openSegments().stream()
                .collect(Collectors.toMap(RecordingService.OpenSegment::cameraId, Function.identity()));
        return directory.all().stream()
                .map(c -> {
                    RecordingService.OpenSegment o = open.get(c.id());
                    return new CameraState(c.id(), c.site(), c.recording(), o == null ? null : o.startedAt(),
                            o == null ? 0 : o.frames());
                })
                .sorted(Comparator.comparing(CameraState::id))
                .toList();
    }
}
