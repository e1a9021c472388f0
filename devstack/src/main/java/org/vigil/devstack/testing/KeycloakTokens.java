package org.vigil.devstack.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.type.TypeReference;
import org.vigil.contracts.Json;

/** A client of a Keycloak token endpoint: the grants the tests use, and reading a token's claims. */
public final class KeycloakTokens {

    private final String endpoint;
    private final HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public KeycloakTokens(String endpoint) {
        this.endpoint = endpoint;
    }

    /** The token response (access_token, id_token, ...) for a user, by password grant through the gateway client. */
    public Map<String, Object> passwordGrant(String username, String password) {
        return tokenRequest(Map.of("grant_type", "password", "client_id", KeycloakRealm.GATEWAY_CLIENT_ID,
                "client_secret", KeycloakRealm.GATEWAY_CLIENT_SECRET, "username", username, "password", password, "scope", "openid"));
    }

    /** The token response of the integration client's client-credentials grant. */
    public Map<String, Object> clientCredentialsGrant() {
        return tokenRequest(Map.of("grant_type", "client_credentials", "client_id", KeycloakRealm.INTEGRATION_CLIENT_ID,
                "client_secret", KeycloakRealm.INTEGRATION_CLIENT_SECRET));
    }

    /** POSTs a form to the token endpoint; fails unless it answers 200. */
    public Map<String, Object> tokenRequest(Map<String, String> form) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(endpoint))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(formBody(form))).timeout(Duration.ofSeconds(30)).build();
        try {
            HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() != 200) {
                throw new IllegalStateException("token endpoint answered " + resp.statusCode() + ": " + resp.body());
            }
            return Json.mapper().readValue(resp.body(), new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new UncheckedIOException("token request to " + endpoint + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a token request", e);
        }
    }

    /** The payload of a JWT, not verified. */
    public static Map<String, Object> claims(String jwt) {
        String[] parts = jwt.split("\\.");
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a signed JWT: " + parts.length + " parts");
        }
        try {
            return Json.mapper().readValue(Base64.getUrlDecoder().decode(parts[1]),
                    new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException("JWT payload is not JSON", e);
        }
    }

    /** application/x-www-form-urlencoded, UTF-8. */
    public static String formBody(Map<String, String> form) {
        return form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    }
}
