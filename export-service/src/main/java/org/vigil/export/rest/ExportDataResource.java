package org.vigil.export.rest;

import java.time.Instant;
import java.time.InstantSource;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.Claim;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.vigil.contracts.Access;
import org.vigil.contracts.Json;
import org.vigil.export.Evidence;
import org.vigil.export.service.EventsCsv;
import org.vigil.export.service.ExportData;
import org.vigil.export.service.ExportJobs;
import org.vigil.export.service.ExportProblem;

/** "Export data": the motion events of a camera and range as CSV or JSON, for operators and admins; audited. */
@Path("/api/exports")
@RequestScoped
@RolesAllowed({Access.OPERATOR, Access.ADMIN})
public class ExportDataResource {

    @Inject
    InstantSource clock;

    @Inject
    ExportData data;

    @Inject
    JsonWebToken token;

    @Inject
    @Claim(Access.SITES_CLAIM)
    Set<String> sites;

    @GET
    @Path("/events.csv")
    public Response csv(@QueryParam("camera") String camera, @QueryParam("from") String from,
            @QueryParam("to") String to) {
        List<Evidence.Event> events = events(camera, from, to, "csv");
        return Response.ok(EventsCsv.of(events)).type("text/csv; charset=utf-8")
                .header("Content-Disposition", "attachment; filename=\"events-" + camera + ".csv\"")
                .header(Errors.EXPORT_UTC, clock.instant().toString()).build();
    }

    @GET
    @Path("/events.json")
    public Response json(@QueryParam("camera") String camera, @QueryParam("from") String from,
            @QueryParam("to") String to) {
        List<Evidence.Event> events = events(camera, from, to, "json");
        return Response.ok(Json.write(events)).type("application/json")
                .header("Content-Disposition", "attachment; filename=\"events-" + camera + ".json\"")
                .header(Errors.EXPORT_UTC, clock.instant().toString()).build();
    }

    private List<Evidence.Event> events(String camera, String fromParam, String toParam, String format) {
        if (camera == null || !camera.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new ExportProblem(400, "invalid_camera", "give camera=<id>", Map.of("field", "camera"));
        }
        Instant from = time("from", fromParam);
        Instant to = time("to", toParam);
        if (!to.isAfter(from)) {
            throw new ExportProblem(400, "invalid_range", "to must be after from", Map.of("field", "to"));
        }
        return data.events(new ExportJobs.Caller(token.getName(), List.copyOf(sites == null ? Set.of() : sites)), camera,
                from, to, format);
    }

    private static Instant time(String name, String value) {
        try {
            return Instant.parse(value);
        } catch (NullPointerException | DateTimeParseException e) {
            throw new ExportProblem(400, "invalid_" + name, name + " must be an ISO-8601 UTC time such as "
                    + "2026-11-28T10:00:00Z", Map.of("field", name));
        }
    }
}
