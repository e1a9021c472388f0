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

    /** Absolute lifetime of a sign-in; the session cookie and its token expire together. */
    @WithDefault("8h")
    Duration sessionLength();

    /** Mark the session cookie Secure: on whenever the gateway is reached over HTTPS. */
    @WithDefault("false")
    boolean cookieSecure();

    /**
     * Password for the first admin, used only while no user exists (VIGIL_BOOTSTRAP_ADMIN_PASSWORD; ./vigil up
     * generates it and prints it once).
     */
    Optional<String> bootstrapAdminPassword();

    /** Consecutive failed sign-ins before an account is locked. */
    @WithDefault("5")
    int maxFailedLogins();

    /** How long a locked account stays locked. */
    @WithDefault("5m")
    Duration lockout();

    /** VIGIL_RECORDER_URL: where {@code /api/recorder/*} is passed on to. */
    @WithDefault("http://127.0.0.1:8082")
    java.net.URI recorderUrl();

    /** VIGIL_EVENTS_URL: the event service, for live snapshots. */
    @WithDefault("http://127.0.0.1:8083")
    java.net.URI eventsUrl();
}
