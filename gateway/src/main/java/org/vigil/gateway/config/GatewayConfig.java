package org.vigil.gateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Gateway settings. */
@ConfigMapping(prefix = "vigil.gateway")
public interface GatewayConfig {

    /** Where the token signing key lives (VIGIL_KEYS_DIR); a Kubernetes Secret mount in production. */
    Path keysDir();

    /** {@code iss} of the tokens this gateway issues; every service must expect the same. */
    @WithDefault("vigil")
    String tokenIssuer();

    /** Absolute lifetime of a sign-in (VIGIL_SESSION_LENGTH): the session ends then, however busy. */
    @WithDefault("8h")
    Duration sessionLength();

    /** A session not used for this long ends (VIGIL_SESSION_IDLE); each use renews it, up to its absolute end. */
    @WithDefault("30m")
    Duration sessionIdle();

    /** Mark the session cookie Secure: on whenever the gateway is reached over HTTPS. */
    @WithDefault("false")
    boolean cookieSecure();

    /**
     * Password for the first admin, used only while no user exists (VIGIL_BOOTSTRAP_ADMIN_PASSWORD; ./vigil up
     * generates it and prints it once).
     */
    Optional<String> bootstrapAdminPassword();

    /**
     * VIGIL_TRUSTED_PROXIES: reverse proxies (addresses or CIDR blocks) whose {@code X-Forwarded-For} is believed for
     * the client's address. None by default: the TCP peer is the client.
     */
    Optional<java.util.List<String>> trustedProxies();

    /** How sign-in is kept from exhausting the gateway. */
    SignIn signIn();

    interface SignIn {
        /**
         * Share of the heap that password hashing may hold at once; with Argon2id's 19 MiB per check this sets the
         * pool's threads (e.g. 0.25 of a 256 MiB heap: 3).
         */
        @WithDefault("0.25")
        double hashMemoryShare();

        /** Threads of the hashing pool, overriding the share above when set. */
        Optional<Integer> hashThreads();
    }

    /** Consecutive failed sign-ins, from one address, before the account is locked for that address. */
    @WithDefault("5")
    int maxFailedLogins();

    /** How long that lock lasts; after it the count starts again from zero. */
    @WithDefault("5m")
    Duration lockout();

    /**
     * A live socket that answers no ping for this long is closed (code 4408): a half-open connection, e.g. a laptop
     * that went to sleep. Longer than two ping intervals ({@code quarkus.websockets-next.server.auto-ping-interval}).
     */
    @WithDefault("50s")
    Duration wsSilenceLimit();

    /** VIGIL_RECORDER_URL: where {@code /api/recorder/*} is passed on to. */
    @WithDefault("http://127.0.0.1:8082")
    java.net.URI recorderUrl();

    /**
     * VIGIL_SITE_RECORDERS: the site directory, {@code north=https://rec.north.example:8082,south=…}: the recorder
     * serving each remote site's footage (design 0017 §3). Sites not listed are served by the recorder above.
     */
    Optional<String> siteRecorders();

    /**
     * VIGIL_SITES: the sites cameras may be added to, comma-separated, beyond those of the site directory and those
     * that have cameras already (design 0018 §1). A camera on any other site is refused as an unknown site.
     */
    @WithDefault("default")
    String sites();

    /**
     * VIGIL_CAMERA_KEY_FILE: the key camera passwords are sealed with (design 0018 §3), the same file capture opens
     * them with (a Kubernetes Secret in production; {@code ./vigil up} makes one). Unset: the API refuses passwords.
     */
    Optional<java.nio.file.Path> cameraKeyFile();

    /** Creates the camera key where the file is missing: development and tests only (capture must read that file). */
    @WithDefault("false")
    boolean cameraKeyCreate();

    /** VIGIL_CAPTURE_URL: the capture instance that probes cameras' addresses for sites not in the list below. */
    @WithDefault("http://127.0.0.1:8081")
    java.net.URI captureUrl();

    /**
     * VIGIL_SITE_CAPTURES: {@code north=https://cap.north.example:8081,…}: a capture instance at each remote site,
     * which probes that site's cameras (design 0018 §5: a camera is tested from where it is captured). A site of the
     * site directory not listed here cannot have its cameras probed from central.
     */
    Optional<String> siteCaptures();

    /** VIGIL_EVENTS_URL: the event service ({@code /api/events}, {@code /api/segments}, live snapshots). */
    @WithDefault("http://127.0.0.1:8083")
    java.net.URI eventsUrl();

    /** VIGIL_EXPORT_URL: where {@code /api/exports/*} is passed on to. */
    @WithDefault("http://127.0.0.1:8084")
    java.net.URI exportUrl();

    /** VIGIL_RETENTION_URL: where {@code /api/retention/*} is passed on to. */
    @WithDefault("http://127.0.0.1:8085")
    java.net.URI retentionUrl();

    /**
     * Where each backend's management interface answers (its readiness, for the dashboard):
     * VIGIL_CAPTURE_MANAGEMENT_URL, VIGIL_RECORDER_MANAGEMENT_URL, VIGIL_EVENTS_MANAGEMENT_URL,
     * VIGIL_EXPORT_MANAGEMENT_URL, VIGIL_RETENTION_MANAGEMENT_URL; keys capture, recorder, events, export, retention.
     */
    java.util.Map<String, java.net.URI> managementUrls();

    /** NTP_SERVER: the time source whose offset the dashboard reports; unset means "unknown". */
    Optional<String> ntpServer();

    /** Single sign-on through an OpenID Connect provider (Keycloak, Entra ID, Okta...). */
    Oidc oidc();

    /** How an OIDC provider's tokens map to Vigil's roles and sites. */
    interface Oidc {
        /** OIDC_ENABLED: offer single sign-on and accept the provider's bearer tokens (client credentials). */
        @WithDefault("false")
        boolean enabled();

        /** OIDC_ISSUER: the provider's issuer URL (also quarkus.oidc.auth-server-url). */
        Optional<String> issuer();

        /** OIDC_AUDIENCE: the {@code aud} a bearer token must carry to be accepted here. */
        @WithDefault("vigil")
        String audience();

        /** OIDC_ROLES_CLAIM: claim with the provider's roles or groups; a dotted path such as realm_access.roles. */
        @WithDefault("vigil_roles")
        String rolesClaim();

        /** OIDC_SITES_CLAIM: claim with the sites (a list, or one string); "*" means every site. */
        @WithDefault("sites")
        String sitesClaim();

        /** OIDC_ADMIN_ROLE, OIDC_OPERATOR_ROLE, OIDC_VIEWER_ROLE: the provider's names for Vigil's roles. */
        @WithDefault("vigil-admin")
        String adminRole();

        @WithDefault("vigil-operator")
        String operatorRole();

        @WithDefault("vigil-viewer")
        String viewerRole();

        /** How the sign-in page names the provider. */
        @WithDefault("Single sign-on")
        String label();
    }
}
