package org.vigil.gateway.proxy;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.http.HttpClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.vigil.contracts.Json;
import org.vigil.gateway.config.GatewayConfig;
import org.vigil.gateway.config.HttpClients;
import org.vigil.runtime.sites.SiteRecorders;

/**
 * The site directory (design 0017 §3): which recorder serves each remote site's footage, from
 * {@code VIGIL_SITE_RECORDERS} ({@code north=https://rec.north.example:8082,south=…}), and whether that site can be
 * reached right now. A site not listed is served by {@code VIGIL_RECORDER_URL}: a single box, or the site central
 * runs beside.
 *
 * <p>Whether a site is reachable is what central already knows from its heartbeats (event-service's
 * {@code /api/sites/status}, by central's clock), asked with the caller's own token and kept for 2 s. Asking first is
 * what keeps a request for a cut-off site from hanging on a connection that goes nowhere: it is answered at once.
 */
@ApplicationScoped
public class SiteDirectory {

    private static final Duration KEEP = Duration.ofSeconds(2);

    /** What central knows of a site's contact: {@code connected}, {@code disconnected} or {@code unknown}. */
    public record Contact(String state, Instant lastContact) {
        public boolean disconnected() {
            return "disconnected".equals(state);
        }
    }

    private record Kept(Contact contact, Instant at) {
    }

    private final Map<String, URI> recorders;
    private final Map<String, Kept> kept = new ConcurrentHashMap<>();
    private final HttpClient events;
    private final Clock clock;

    @Inject
    public SiteDirectory(GatewayConfig config, Vertx vertx) {
        this(SiteRecorders.parse(config.siteRecorders().orElse("")), vertx, config.eventsUrl(), Clock.systemUTC());
    }

    SiteDirectory(Map<String, URI> recorders, Vertx vertx, URI eventsUrl, Clock clock) {
        this.recorders = recorders;
        this.clock = clock;
        this.events = vertx.createHttpClient(HttpClients.to(eventsUrl).setConnectTimeout(2000)
                .setMaxPoolSize(8));
    }

    /** The recorder serving {@code site}'s footage, when it is a site of its own (empty: VIGIL_RECORDER_URL's). */
    public Optional<URI> recorder(String site) {
        return site == null ? Optional.empty() : Optional.ofNullable(recorders.get(site));
    }

    /** Every listed site's recorder. */
    public Map<String, URI> recorders() {
        return recorders;
    }

    /**
     * What central knows of {@code site}'s contact, asked with {@code token} (so the caller's sites apply). Unknown
     * when event-service cannot say: the request then goes on to the site, which may well answer.
     */
    public Uni<Contact> contact(String site, String token) {
        Kept k = kept.get(site);
        Instant now = clock.instant();
        if (k != null && Duration.between(k.at(), now).compareTo(KEEP) < 0) {
            return Uni.createFrom().item(k.contact());
        }
        return events.request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/api/sites/status?site=" + site)
                .setTimeout(2000).putHeader("Authorization", "Bearer " + token))
                .chain(req -> req.send())
                .chain(resp -> resp.body().map(b -> resp.statusCode() == 200 ? of(site, b.toString()) : null))
                .onFailure().recoverWithNull()
                .map(c -> {
                    Contact found = c == null ? new Contact("unknown", null) : c;
                    if (c != null) {
                        kept.put(site, new Kept(found, now));
                    }
                    return found;
                });
    }

    /** The entry for {@code site} in a {@code /api/sites/status} answer. */
    static Contact of(String site, String json) {
        try {
            for (JsonNode n : Json.mapper().readTree(json)) {
                if (site.equals(n.path("site").asText())) {
                    String last = n.path("lastContact").asText(null);
                    return new Contact(n.path("state").asText("unknown"), last == null ? null : Instant.parse(last));
                }
            }
        } catch (Exception e) {
            return null;
        }
        return new Contact("unknown", null);
    }
}
