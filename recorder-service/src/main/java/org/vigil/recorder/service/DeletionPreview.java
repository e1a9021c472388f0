package org.vigil.recorder.service;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.contracts.Json;
import org.vigil.recorder.config.RecorderConfig;

/**
 * Asks the retention service what it would delete if the recordings directory and free-space floor were changed
 * (retention's {@code POST /api/retention/dry-run/storage}, as the admin making the change). Retention frees space
 * by deleting the oldest unheld footage whenever free space nears the floor, so raising the floor, or moving to a
 * fuller volume, can delete footage across every site: the change is shown with this preview first.
 */
@ApplicationScoped
public class DeletionPreview {

    /** What retention would delete: segments, bytes, the oldest and newest recording; {@code deletes} when any. */
    public record Preview(long segments, long bytes, String oldest, String newest, long bytesToFree) {
        public boolean deletes() {
            return segments > 0 || bytesToFree > 0;
        }

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

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final URI retention;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    public DeletionPreview(RecorderConfig config) {
        this.retention = config.retentionUrl();
    }

    /** Retention's preview, or empty when it did not answer (the caller then says the effect is unknown). */
    public Optional<Preview> of(String recordingsDir, long floorBytes, String bearerToken) {
        try {
            byte[] body = Json.write(Map.of("recordingsDir", recordingsDir, "minFreeBytes", floorBytes));
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(retention.resolve(
                    "/api/retention/dry-run/storage")).timeout(TIMEOUT).header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + bearerToken).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                return Optional.empty();
            }
            JsonNode n = Json.mapper().readTree(r.body());
            return Optional.of(new Preview(n.path("segments").asLong(), n.path("bytes").asLong(),
                    n.path("oldest").isNull() ? null : n.path("oldest").asText(null),
                    n.path("newest").isNull() ? null : n.path("newest").asText(null), n.path("bytesToFree").asLong()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
