package org.vigil.gateway.config;

import java.net.URI;

import io.vertx.core.http.HttpClientOptions;

/** The options every HTTP client of the gateway starts from (to a backend, a site's recorder, a capture instance). */
public final class HttpClients {

    /**
     * How often a client looks for pooled connections past their keep-alive (60 s): Vert.x looks every second, and
     * each of the gateway's clients woke its event loop once a second while nothing happened (design 0032). A kept
     * connection now closes 60 to 75 s after its last use; every backend keeps them for 30 minutes.
     */
    static final int POOL_CLEANER_MS = 15_000;

    private HttpClients() {
    }

    /** To {@code url}'s host and port, over TLS when it is https. */
    public static HttpClientOptions to(URI url) {
        return new HttpClientOptions().setDefaultHost(url.getHost()).setDefaultPort(url.getPort())
                .setSsl("https".equals(url.getScheme())).setPoolCleanerPeriod(POOL_CLEANER_MS);
    }
}
