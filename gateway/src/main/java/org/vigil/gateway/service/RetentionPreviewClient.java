package org.vigil.gateway.service;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.gateway.config.GatewayConfig;

/**
 * Asks retention what a camera change would delete (retention's {@code POST /api/retention/dry-run/cameras}, with the
 * admin's token, so retention checks their role and sites itself): a camera's own days, once stored, apply at the next
 * run, so a change that shortens them is shown with this preview first (design 0018 §1).
 */
@ApplicationScoped
public class RetentionPreviewClient {

    /** What the next run would delete of the cameras' recordings; {@code deletes} when any. */
    public record Preview(long segments, long bytes, String oldest, String newest) {
        public boolean deletes() {
            return segments > 0;
        }

        /** The audit entry's view of it. */
        public Map<String, String> auditDetails() {
            Map<String, String> d = new LinkedHashMap<>();
            d.put("wouldDeleteSegments", Long.toString(segments));
            d.put("wouldDeleteBytes", Long.toString(bytes));
            if (oldest != null) {
                d.put("wouldDeleteFrom", oldest);
                d.put("wouldDeleteTo", newest);
            }
            return d;
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private final URI retention;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    public RetentionPreviewClient(GatewayConfig config) {
        this.retention = config.retentionUrl();
    }

    /** Retention's preview for these cameras as they would be, or empty when it did not answer (effect unknown). */
    public Optional<Preview> of(List<CameraConfig> cameras, String bearerToken) {
        List<Map<String, Object>> body = cameras.stream().map(c -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", c.id());
            m.put("site", c.site());
            m.put("retentionDays", c.retentionDays());
            return m;
        }).toList();
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(retention.resolve(
                    "/api/retention/dry-run/cameras")).timeout(TIMEOUT).header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + bearerToken)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(Map.of("cameras", body)))).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                return Optional.empty();
            }
            JsonNode n = Json.mapper().readTree(r.body());
            return Optional.of(new Preview(n.path("segments").asLong(), n.path("bytes").asLong(),
                    n.path("oldest").isNull() ? null : n.path("oldest").asText(null),
                    n.path("newest").isNull() ? null : n.path("newest").asText(null)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
