package org.vigil.gateway.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.vertx.http.ManagementInterface;
import io.smallrye.health.SmallRyeHealth;
import io.smallrye.health.SmallRyeHealthReporter;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.vigil.contracts.Json;
import org.vigil.gateway.service.TimeSync;

/**
 * {@code GET /health/ready}, the readiness address of Vigil's runbooks: the same checks as {@code /q/health/ready}
 * (every dependency by name, with its status), with {@code time_sync_status} on top. 200 when ready, 503 when not.
 * Served on the management interface with the other health endpoints, never on the public port.
 */
@ApplicationScoped
public class HealthResource {

    private final SmallRyeHealthReporter reporter;
    private final TimeSync timeSync;

    public HealthResource(SmallRyeHealthReporter reporter, TimeSync timeSync) {
        this.reporter = reporter;
        this.timeSync = timeSync;
    }

    void routes(@Observes ManagementInterface management) {
        management.router().get("/health/ready").blockingHandler(this::ready);
    }

    private void ready(RoutingContext ctx) {
        SmallRyeHealth health = reporter.getReadiness();
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("status", health.isDown() ? "DOWN" : "UP");
        out.put("time_sync_status", timeSync.status().status());
        try {
            JsonNode checks = Json.mapper().readTree(health.getPayload().toString());
            out.set("checks", checks.path("checks"));
        } catch (java.io.IOException e) {
            out.put("checks", "unreadable: " + e.getMessage());
        }
        ctx.response().setStatusCode(health.isDown() ? 503 : 200).putHeader("Content-Type", "application/json")
                .end(out.toString());
    }
}
