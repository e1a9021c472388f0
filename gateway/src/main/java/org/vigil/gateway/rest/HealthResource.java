package org.vigil.gateway.rest;

import org.vigil.contracts.Json;
import org.vigil.gateway.service.TimeSync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.smallrye.common.annotation.Blocking;
import io.smallrye.health.SmallRyeHealth;
import io.smallrye.health.SmallRyeHealthReporter;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code GET /health/ready}, the readiness address of Vigil's runbooks: the same checks as {@code /q/health/ready}
 * (every dependency by name, with its status), with {@code time_sync_status} on top. 200 when ready, 503 when not.
 * Open, like the Quarkus health endpoints, and free of secrets.
 */
@Path("/health/ready")
public class HealthResource {

    private final SmallRyeHealthReporter reporter;
    private final TimeSync timeSync;

    public HealthResource(SmallRyeHealthReporter reporter, TimeSync timeSync) {
        this.reporter = reporter;
        this.timeSync = timeSync;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public Response ready() throws java.io.IOException {
        SmallRyeHealth health = reporter.getReadiness();
        JsonNode checks = Json.mapper().readTree(health.getPayload().toString());
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("status", health.isDown() ? "DOWN" : "UP");
        out.put("time_sync_status", timeSync.status().status());
        out.set("checks", checks.path("checks"));
        return Response.status(health.isDown() ? 503 : 200).entity(out).build();
    }
}
