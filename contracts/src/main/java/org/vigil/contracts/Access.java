package org.vigil.contracts;

import java.util.Collection;
import java.util.List;

/**
 * The access token contract between the gateway (issuer) and every backend service (verifier): claim names, role
 * names and what a site list means. The gateway signs RS256 JWTs and publishes its keys at
 * {@code <gateway>/auth/jwks}.
 */
public final class Access {

    /** {@code iss} of every token the gateway issues, unless VIGIL_TOKEN_ISSUER changes it on all sides. */
    public static final String ISSUER = "vigil";
    /** {@code aud} of tokens meant for backend services. */
    public static final String AUDIENCE = "vigil-services";
    /**
     * {@code aud} of a footage grant: what an export job carries to fetch a remote site's segments from that site's
     * recorder (design 0017 §3). Only the recorder's segment endpoint accepts it; every other API refuses it.
     */
    public static final String FOOTAGE_AUDIENCE = "vigil-footage";
    /** The header in which the gateway hands an export request's footage grant to the export service. */
    public static final String FOOTAGE_GRANT_HEADER = "Vigil-Footage-Grant";
    /** Claim with the caller's single role, as a one-element array (quarkus-oidc maps {@code groups} to roles). */
    public static final String ROLES_CLAIM = "groups";
    /** Claim with the sites the caller may see; {@link #ALL_SITES} means every site. */
    public static final String SITES_CLAIM = "sites";
    public static final String ALL_SITES = "*";

    public static final String VIEWER = "viewer";
    public static final String OPERATOR = "operator";
    public static final String ADMIN = "admin";
    /** Roles from least to most powerful; each includes what the ones before it may do. */
    public static final List<String> ROLES = List.of(VIEWER, OPERATOR, ADMIN);

    private Access() {
    }

    /**
     * Whether a caller with {@code sites} holds every site: what a setting that acts on all sites (recordings
     * storage, retention runs and policy) requires, beyond the admin role.
     */
    public static boolean everySite(Collection<String> sites) {
        return sites != null && sites.contains(ALL_SITES);
    }

    /** Whether a caller with {@code sites} may see {@code site}. */
    public static boolean siteAllowed(Collection<String> sites, String site) {
        return sites != null && (sites.contains(ALL_SITES) || sites.contains(site));
    }
}
