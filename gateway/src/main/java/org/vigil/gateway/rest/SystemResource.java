package org.vigil.gateway.rest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.vigil.contracts.Access;
import org.vigil.contracts.Json;
import org.vigil.gateway.config.GatewayConfig;
import org.vigil.gateway.security.SessionAuthMechanism;
import org.vigil.gateway.security.TokenService;
import org.vigil.gateway.service.TimeSync;

/**
 * The dashboard's System Status: free space on the recordings volume (from the recorder, as the caller), the storage
 * figures of retention (bytes used and held, bytes per hour, hours of headroom, the low-disk threshold), time sync
 * against NTP_SERVER, and each service's readiness. Every part has a short deadline, so one stuck service shows as
 * "down" instead of stalling the page.
 */
@Path("/api/system/status")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Access.VIEWER, Access.OPERATOR, Access.ADMIN})
public class SystemResource {

    private static final Duration DEADLINE = Duration.ofSeconds(2);

    public record Storage(long freeBytes, long totalBytes, long minFreeBytes, boolean low) {
    }

    public record Service(String name, String status) {
    }

    /**
     * @param retention the recordings volume as retention sees it: free, used and held bytes, bytes per hour, hours of
     *                  headroom, the low-disk threshold and its warning (see the retention service's
     *                  {@code GET /api/retention/status}); null when retention did not answer in time
     */
    public record SystemStatus(Storage storage, JsonNode retention, TimeSync.Status timeSync, List<Service> services) {
    }

    private final GatewayConfig config;
    private final TimeSync timeSync;
    private final SecurityIdentity identity;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(DEADLINE).build();

    public SystemResource(GatewayConfig config, TimeSync timeSync, SecurityIdentity identity) {
        this.config = config;
        this.timeSync = timeSync;
        this.identity = identity;
    }

    @GET
    public SystemStatus status() {
        TokenService.Caller caller = identity.getAttribute(SessionAuthMechanism.CALLER);
        Map<String, URI> services = new LinkedHashMap<>();
        for (String name : List.of("capture", "recorder", "events", "export", "retention")) {
            services.put(name, config.managementUrls().get(name));
        }
        Map<String, CompletableFuture<Boolean>> ready = new LinkedHashMap<>();
        services.forEach((name, url) -> ready.put(name, url == null ? CompletableFuture.completedFuture(false)
                : get(url.resolve("/q/health/ready"), null)
                .thenApply(r -> r.statusCode() == 200).exceptionally(e -> false)));
        CompletableFuture<Storage> storage = get(config.recorderUrl().resolve("/api/recorder/storage/summary"),
                caller.token()).thenApply(SystemResource::storage).exceptionally(e -> null);
        CompletableFuture<JsonNode> retention = get(config.retentionUrl().resolve("/api/retention/status"),
                caller.token()).thenApply(SystemResource::json).exceptionally(e -> null);
        TimeSync.Status time = timeSync.status();
        List<Service> health = new java.util.ArrayList<>();
        health.add(new Service("gateway", "up"));
        ready.forEach((name, f) -> health.add(new Service(name, f.join() ? "up" : "down")));
        return new SystemStatus(storage.join(), retention.join(), time, health);
    }

    private CompletableFuture<HttpResponse<byte[]>> get(URI uri, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(DEADLINE);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static JsonNode json(HttpResponse<byte[]> r) {
        if (r.statusCode() != 200) {
            return null;
        }
        try {
            return Json.mapper().readTree(r.body());
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static Storage storage(HttpResponse<byte[]> r) {
        if (r.statusCode() != 200) {
            return null;
        }
        try {
            JsonNode n = Json.mapper().readTree(r.body());
            return new Storage(n.path("freeBytes").asLong(), n.path("totalBytes").asLong(),
                    n.path("minFreeBytes").asLong(), n.path("low").asBoolean());
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
