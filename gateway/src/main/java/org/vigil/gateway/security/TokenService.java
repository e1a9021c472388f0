package org.vigil.gateway.security;

import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.vigil.contracts.Access;
import org.vigil.gateway.config.GatewayConfig;

import io.smallrye.jwt.build.Jwt;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Issues and checks the RS256 access tokens that carry a user's role and sites to every service. The same token is
 * the browser's session (in an HttpOnly cookie) and the bearer token the gateway forwards.
 */
@ApplicationScoped
public class TokenService {

    /** Who a valid token speaks for. */
    public record Caller(String username, String role, List<String> sites, Instant expiresAt, String token) {
    }

    private final SigningKeys keys;
    private final GatewayConfig config;
    private final InstantSource clock;
    private final JwtConsumer consumer;

    public TokenService(SigningKeys keys, GatewayConfig config, InstantSource clock) {
        this.keys = keys;
        this.config = config;
        this.clock = clock;
        this.consumer = new JwtConsumerBuilder()
                .setRequireExpirationTime()
                .setRequireSubject()
                .setAllowedClockSkewInSeconds(30)
                .setExpectedIssuer(config.tokenIssuer())
                .setExpectedAudience(Access.AUDIENCE)
                .setVerificationKey(keys.publicKey())
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.RSA_USING_SHA256)
                .build();
    }

    public Caller issue(String username, String role, List<String> sites) {
        Instant now = clock.instant();
        Instant exp = now.plus(config.sessionLength());
        String token = Jwt.issuer(config.tokenIssuer())
                .audience(Access.AUDIENCE)
                .subject(username)
                .upn(username)
                .groups(Set.of(role))
                .claim(Access.SITES_CLAIM, List.copyOf(sites))
                .issuedAt(now.getEpochSecond())
                .expiresAt(exp.getEpochSecond())
                .jws().keyId(keys.keyId())
                .sign(keys.privateKey());
        return new Caller(username, role, List.copyOf(sites), exp, token);
    }

    /** The caller of a token that is signed by us, unexpired and meant for Vigil; empty otherwise. */
    public Optional<Caller> verify(String token) {
        try {
            JwtClaims c = consumer.processToClaims(token);
            List<String> groups = c.getStringListClaimValue(Access.ROLES_CLAIM);
            List<String> sites = c.getStringListClaimValue(Access.SITES_CLAIM);
            if (groups == null || groups.size() != 1 || !Access.ROLES.contains(groups.get(0)) || sites == null) {
                return Optional.empty();
            }
            return Optional.of(new Caller(c.getSubject(), groups.get(0), sites,
                    Instant.ofEpochSecond(c.getExpirationTime().getValue()), token));
        } catch (InvalidJwtException | MalformedClaimException e) {
            return Optional.empty();
        }
    }
}
