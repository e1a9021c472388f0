package org.vigil.gateway.service;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.LongSupplier;

import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.gateway.config.GatewayConfig;
import org.vigil.runtime.time.Sntp;

/**
 * This host's clock against NTP_SERVER, for the dashboard and readiness: {@code synced} under 5 s of offset, {@code unsynced}
 * above, {@code unknown} when no server is set or it does not answer ({@link Sntp}). One query at most every 30 s.
 */
@ApplicationScoped
@io.quarkus.runtime.Startup // its metrics exist from the start
public class TimeSync {

    private static final Duration CACHE = Duration.ofSeconds(30);

    /** The last measurement. */
    public record Status(String status, Long offsetMs, String server, Instant measuredAt) {
    }

    private final Optional<String> server;
    private final LongSupplier clock;
    private volatile Status last;

    @jakarta.inject.Inject
    public TimeSync(GatewayConfig config, io.micrometer.core.instrument.MeterRegistry metrics) {
        this(config.ntpServer(), System::currentTimeMillis);
        // a scrape measures at most every 30 s (the cache), and waits 2 s at most when it does
        io.micrometer.core.instrument.Gauge.builder("vigil_gateway_time_synced", this, t -> switch (t.status().status()) {
            case Sntp.SYNCED -> 1;
            case Sntp.UNSYNCED -> 0;
            default -> -1;
        }).description("1 synced, 0 unsynced, -1 unknown").strongReference(true).register(metrics);
        io.micrometer.core.instrument.Gauge.builder("vigil_gateway_time_offset_seconds", this,
                t -> t.status().offsetMs() == null ? Double.NaN : t.status().offsetMs() / 1000.0)
                .description("this host's clock minus NTP_SERVER's").strongReference(true).register(metrics);
    }

    /** Against {@code server}, with {@code clock} as this host's clock (tests give one that is off). */
    TimeSync(Optional<String> server, LongSupplier clock) {
        this.server = server.filter(s -> !s.isBlank());
        this.clock = clock;
    }

    /** The current status; blocking for up to 2 s when a new measurement is due. */
    public synchronized Status status() {
        Status s = last;
        if (s != null && s.measuredAt().plus(CACHE).isAfter(Instant.now())) {
            return s;
        }
        Sntp.Result r = Sntp.query(server, Duration.ofSeconds(2), clock);
        last = new Status(r.status(), r.offsetMs(), r.server(), Instant.now());
        return last;
    }
}
