package org.vigil.gateway.security;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.HttpsJwks;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.HttpsJwksVerificationKeyResolver;
import org.vigil.contracts.Access;
import org.vigil.contracts.Json;
import org.vigil.gateway.config.GatewayConfig;

/**
 * What an OpenID Connect provider's token means in Vigil: its role and sites claims mapped by configuration
 * (OIDC_ROLES_CLAIM, OIDC_SITES_CLAIM and the three role names). Used for people signing in through the provider (the
 * code flow ends in a Vigil session) and for machines sending the provider's client-credentials tokens as bearer
 * tokens, which are verified here against the provider's published keys.
 */
@ApplicationScoped
public class OidcAccess {

    private static final Logger LOG = Logger.getLogger(OidcAccess.class);
    private static final Duration DELEGATED = Duration.ofMinutes(5);

    /** A provider identity mapped to Vigil's terms. */
    public record Mapped(String username, String role, List<String> sites) {
    }

    private final GatewayConfig.Oidc config;
    private final TokenService tokens;
    private volatile JwtConsumer bearerConsumer;
    private final Map<String, TokenService.Caller> minted = new ConcurrentHashMap<>();

    public OidcAccess(GatewayConfig config, TokenService tokens) {
        this.config = config.oidc();
        this.tokens = tokens;
    }

    public boolean enabled() {
        return config.enabled() && config.issuer().isPresent();
    }

    public String label() {
        return config.label();
    }

    /**
     * Maps verified claims; empty when the token grants no Vigil role. The most powerful mapped role wins; no sites
     * claim means no site.
     */
    public Optional<Mapped> map(JwtClaims claims) {
        List<String> providerRoles = strings(claim(claims.getClaimsMap(), config.rolesClaim()));
        String role = null;
        if (providerRoles.contains(config.adminRole())) {
            role = Access.ADMIN;
        } else if (providerRoles.contains(config.operatorRole())) {
            role = Access.OPERATOR;
        } else if (providerRoles.contains(config.viewerRole())) {
            role = Access.VIEWER;
        }
        if (role == null) {
            return Optional.empty();
        }
        List<String> sites = strings(claim(claims.getClaimsMap(), config.sitesClaim()));
        return Optional.of(new Mapped(username(claims), role, sites));
    }

    /** Claims of a token whose signature someone else (quarkus-oidc) has already checked. */
    public static JwtClaims claimsOfVerified(String rawJwt) {
        try {
            String[] parts = rawJwt.split("\\.");
            return JwtClaims.parse(new String(java.util.Base64.getUrlDecoder().decode(parts[1]),
                    java.nio.charset.StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalArgumentException("not a JWT", e);
        }
    }

    /**
     * The caller of a provider bearer token (client credentials), with a gateway-signed token for the backends;
     * empty when OIDC is off, or the token is not the provider's, expired, for another audience, or maps to no role.
     */
    public Uni<Optional<TokenService.Caller>> bearer(String token) {
        if (!enabled()) {
            return Uni.createFrom().item(Optional.empty());
        }
        TokenService.Caller cached = minted.get(token);
        if (cached != null && cached.expiresAt().isAfter(java.time.Instant.now().plusSeconds(30))) {
            return Uni.createFrom().item(Optional.of(cached));
        }
        return Uni.createFrom().item(() -> verifyBearer(token)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private Optional<TokenService.Caller> verifyBearer(String token) {
        try {
            JwtClaims claims = consumer().processToClaims(token);
            Optional<TokenService.Caller> caller = map(claims).map(m -> tokens.delegated("oidc:" + m.username(),
                    m.role(), m.sites(), TokenService.Source.OIDC, DELEGATED));
            if (minted.size() > 10_000) {
                minted.clear();
            }
            caller.ifPresent(c -> minted.put(token, c));
            return caller;
        } catch (InvalidJwtException e) {
            LOG.debugf("provider bearer token refused: %s", e.getMessage());
            return Optional.empty();
        } catch (RuntimeException e) {
            LOG.warnf("provider bearer token could not be checked: %s", e.getMessage());
            return Optional.empty();
        }
    }

    private JwtConsumer consumer() {
        JwtConsumer c = bearerConsumer;
        if (c == null) {
            String issuer = config.issuer().orElseThrow();
            HttpsJwks jwks = new HttpsJwks(jwksUri(issuer));
            c = new JwtConsumerBuilder().setRequireExpirationTime().setAllowedClockSkewInSeconds(30)
                    .setExpectedIssuer(issuer).setExpectedAudience(config.audience())
                    .setVerificationKeyResolver(new HttpsJwksVerificationKeyResolver(jwks))
                    .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
                            AlgorithmIdentifiers.RSA_USING_SHA256, AlgorithmIdentifiers.RSA_PSS_USING_SHA256,
                            AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256)
                    .build();
            bearerConsumer = c;
        }
        return c;
    }

    /** The provider's key set address, from its discovery document. */
    private static String jwksUri(String issuer) {
        try {
            HttpResponse<byte[]> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(
                    HttpRequest.newBuilder(URI.create(issuer.replaceAll("/$", "") + "/.well-known/openid-configuration"))
                            .timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            JsonNode doc = Json.mapper().readTree(r.body());
            if (r.statusCode() != 200 || !doc.hasNonNull("jwks_uri")) {
                throw new IllegalStateException("the OIDC discovery document of " + issuer + " answered "
                        + r.statusCode() + " without jwks_uri");
            }
            return doc.get("jwks_uri").asText();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("the OIDC provider " + issuer + " is unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String username(JwtClaims claims) {
        try {
            for (String name : List.of("preferred_username", "email", "azp", "client_id")) {
                String v = claims.getStringClaimValue(name);
                if (v != null && !v.isBlank()) {
                    return v;
                }
            }
            return claims.getSubject();
        } catch (MalformedClaimException e) {
            return "unknown";
        }
    }

    /** A claim by dotted path, e.g. {@code realm_access.roles}. */
    static Object claim(Map<String, Object> claims, String path) {
        Object v = claims;
        for (String part : path.split("\\.")) {
            if (!(v instanceof Map<?, ?> m)) {
                return null;
            }
            v = m.get(part);
        }
        return v;
    }

    static List<String> strings(Object v) {
        List<String> out = new ArrayList<>();
        if (v instanceof String s) {
            out.add(s);
        } else if (v instanceof Collection<?> c) {
            c.forEach(x -> {
                if (x != null) {
                    out.add(x.toString());
                }
            });
        }
        return out;
    }
}
