package org.vigil.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.Json;
import org.vigil.devstack.testing.KafkaTestResource;
import org.vigil.devstack.testing.KeycloakRealm;
import org.vigil.devstack.testing.PostgresTestResource;
import org.vigil.devstack.testing.RedisTestResource;
import org.vigil.gateway.security.OidcAccess;

/**
 * Single sign-on against a real Keycloak: the authorization code flow through the gateway ends in a Vigil session
 * with the mapped role and sites; {@code next} never leads off the gateway; machines use client-credentials tokens.
 */
@QuarkusTest
@TestProfile(OidcSignInTest.Sso.class)
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = KeycloakTestResource.class, restrictToAnnotatedClass = true)
class OidcSignInTest {

    /** A profile of its own, so this Quarkus instance (with single sign-on on) is not shared with other tests. */
    public static class Sso implements QuarkusTestProfile {
    }

    private static final Pattern FORM_ACTION = Pattern.compile("<form[^>]*action=\"([^\"]+)\"");

    @TestHTTPResource("/")
    URI gateway;

    @Inject
    OidcAccess oidc;

    /**
     * A browser-like client: cookies kept per host (by hand: Keycloak marks its cookies Secure even on plain http,
     * which browsers accept on loopback but Java's CookieManager does not), redirects followed by hand so every hop
     * can be checked.
     */
    private static final class Browserish {
        final Map<String, Map<String, String>> jar = new java.util.HashMap<>();
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).build();

        HttpResponse<String> get(URI uri) throws Exception {
            return send(HttpRequest.newBuilder(uri).GET(), uri);
        }

        HttpResponse<String> postForm(URI uri, Map<String, String> form) throws Exception {
            StringBuilder b = new StringBuilder();
            form.forEach((k, v) -> b.append(b.isEmpty() ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                    .append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
            return send(HttpRequest.newBuilder(uri).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(b.toString())), uri);
        }

        private HttpResponse<String> send(HttpRequest.Builder b, URI uri) throws Exception {
            Map<String, String> cookies = jar.computeIfAbsent(uri.getHost(), h -> new java.util.LinkedHashMap<>());
            if (!cookies.isEmpty()) {
                b.header("Cookie", String.join("; ", cookies.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue()).toList()));
            }
            HttpResponse<String> r = http.send(b.timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            for (String header : r.headers().allValues("Set-Cookie")) {
                for (HttpCookie c : HttpCookie.parse(header)) {
                    if (c.getValue().isEmpty() || c.getMaxAge() == 0) {
                        cookies.remove(c.getName());
                    } else {
                        cookies.put(c.getName(), c.getValue());
                    }
                }
            }
            return r;
        }

        String cookie(String name) {
            return jar.values().stream().map(m -> m.get(name)).filter(v -> v != null && !v.isEmpty()).findFirst()
                    .orElse(null);
        }
    }

    /** Runs the whole sign-in as a browser would; returns the gateway's last answer (the redirect to next). */
    private HttpResponse<String> signIn(Browserish b, String user, String next) throws Exception {
        HttpResponse<String> r = b.get(gateway.resolve("/auth/oidc/login?next=" + URLEncoder.encode(next,
                StandardCharsets.UTF_8)));
        assertThat(r.statusCode()).as("the gateway sends the browser to the provider").isEqualTo(302);
        URI provider = URI.create(r.headers().firstValue("Location").orElseThrow());
        assertThat(provider.toString()).startsWith(KeycloakTestResource.server.issuer());
        r = b.get(provider);
        assertThat(r.statusCode()).isEqualTo(200);
        Matcher m = FORM_ACTION.matcher(r.body());
        assertThat(m.find()).as("Keycloak's sign-in form").isTrue();
        r = b.postForm(URI.create(m.group(1).replace("&amp;", "&")),
                Map.of("username", user, "password", KeycloakRealm.USER_PASSWORD, "credentialId", ""));
        for (int hop = 0; hop < 6 && r.statusCode() / 100 == 3; hop++) {
            URI location = URI.create(r.headers().firstValue("Location").orElseThrow());
            if (!location.isAbsolute()) {
                location = gateway.resolve(location);
            }
            if (!location.getPath().startsWith("/auth/oidc/")) {
                return r; // left the sign-in flow: this is where the gateway sends the browser in the end
            }
            r = b.get(location);
        }
        return r;
    }

    /** Where a redirect leads, as a path on this gateway; fails when it leads anywhere else. */
    private String onGateway(HttpResponse<String> r) {
        URI to = gateway.resolve(r.headers().firstValue("Location").orElseThrow());
        assertThat(to.getScheme() + "://" + to.getRawAuthority()).as("stays on the gateway")
                .isEqualTo(gateway.getScheme() + "://" + gateway.getRawAuthority());
        return to.getRawPath() + (to.getRawFragment() == null ? "" : "#" + to.getRawFragment());
    }

    @Test
    void anOperatorSignsInThroughKeycloakAndGetsAVigilSessionWithMappedRoleAndSites() throws Exception {
        Browserish b = new Browserish();
        HttpResponse<String> last = signIn(b, KeycloakRealm.OLGA, "/#/live");
        assertThat(last.statusCode()).isEqualTo(303);
        assertThat(onGateway(last)).isEqualTo("/#/live");
        String session = b.cookie("vigil_session");
        assertThat(session).as("a Vigil session cookie").isNotNull();
        assertThat(b.cookie("vigil_csrf")).isNotNull();
        assertThat(b.cookie("q_session")).as("the provider's session cookie is dropped").isNull();

        HttpResponse<String> me = b.get(gateway.resolve("/api/auth/me"));
        assertThat(me.statusCode()).isEqualTo(200);
        JsonNode who = Json.mapper().readTree(me.body());
        assertThat(who.path("username").asText()).isEqualTo(KeycloakRealm.OLGA);
        assertThat(who.path("role").asText()).isEqualTo("operator");
        assertThat(who.path("sites").toString()).isEqualTo("[\"site-a\"]");
        assertThat(who.path("source").asText()).isEqualTo("oidc");
        assertThat(Json.mapper().readTree(b.get(gateway.resolve("/api/auth/providers")).body())
                .path("oidc").path("enabled").asBoolean()).isTrue();
    }

    @Test
    void aViewerAndAnAdminGetTheirRolesAndSites() throws Exception {
        Browserish vera = new Browserish();
        signIn(vera, KeycloakRealm.VERA, "/");
        JsonNode v = Json.mapper().readTree(vera.get(gateway.resolve("/api/auth/me")).body());
        assertThat(v.path("role").asText()).isEqualTo("viewer");
        assertThat(v.path("sites").toString()).isEqualTo("[\"site-b\"]");
        Browserish adam = new Browserish();
        signIn(adam, KeycloakRealm.ADAM, "/");
        JsonNode a = Json.mapper().readTree(adam.get(gateway.resolve("/api/auth/me")).body());
        assertThat(a.path("role").asText()).isEqualTo("admin");
        assertThat(a.path("sites").toString()).isEqualTo("[\"*\"]");
    }

    @Test
    void nextNeverLeadsOffTheGateway() throws Exception {
        for (String next : List.of("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)")) {
            HttpResponse<String> last = signIn(new Browserish(), KeycloakRealm.OLGA, next);
            assertThat(onGateway(last)).as(next).isEqualTo("/");
        }
    }

    @Test
    void machinesUseClientCredentialsTokensMappedTheSameWay() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String form = "grant_type=client_credentials&client_id=" + KeycloakRealm.INTEGRATION_CLIENT_ID
                + "&client_secret=" + KeycloakRealm.INTEGRATION_CLIENT_SECRET;
        HttpResponse<String> t = http.send(HttpRequest.newBuilder(URI.create(KeycloakTestResource.server.tokenEndpoint()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(t.statusCode()).as(t.body()).isEqualTo(200);
        String token = Json.mapper().readTree(t.body()).path("access_token").asText();

        HttpResponse<String> me = http.send(HttpRequest.newBuilder(gateway.resolve("/api/auth/me"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
        JsonNode who = Json.mapper().readTree(me.body());
        assertThat(who.path("role").asText()).isEqualTo("viewer");
        assertThat(who.path("sites").toString()).isEqualTo("[\"site-a\"]");
        assertThat(who.path("source").asText()).isEqualTo("oidc");
        // a viewer may not change anything, and a token with a broken signature is nobody
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(gateway.resolve("/api/cameras/x/recording"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"recording\":false}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(403);
        String forged = token.substring(0, token.lastIndexOf('.') + 1) + "AAAA" + token.substring(token.lastIndexOf('.') + 5);
        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(gateway.resolve("/api/auth/me"))
                .header("Authorization", "Bearer " + forged).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(401);
    }

    @Test
    void claimsWithoutAVigilRoleMapToNothingAndTheHighestRoleWins() throws Exception {
        JwtClaims none = JwtClaims.parse("{\"preferred_username\":\"x\",\"vigil_roles\":[\"other\"],\"sites\":[\"a\"]}");
        assertThat(oidc.map(none)).isEmpty();
        JwtClaims both = JwtClaims.parse("{\"preferred_username\":\"x\",\"vigil_roles\":[\"vigil-viewer\","
                + "\"vigil-admin\"],\"sites\":\"a\"}");
        assertThat(oidc.map(both).orElseThrow().role()).isEqualTo("admin");
        assertThat(oidc.map(both).orElseThrow().sites()).containsExactly("a");
    }
}
