package org.vigil.gateway.logging;

import java.util.UUID;
import java.util.regex.Pattern;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.MDC;

/**
 * Every request gets an id: the caller's {@code X-Request-Id} when it is a sane token (a proxy in front may set
 * one), else a new one. It is in the answer's {@code X-Request-Id}, in the logging context ({@code requestId}: the JSON
 * logs carry it) and passed on to the backend a request is forwarded to, so one id finds a request in every log.
 */
@ApplicationScoped
public class RequestIds {

    public static final String HEADER = "X-Request-Id";
    public static final String MDC_KEY = "requestId";
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._-]{8,64}");

    void register(@Observes Filters filters) {
        filters.register(this::tag, Integer.MAX_VALUE); // first of all, so even a refusal carries it
    }

    void tag(RoutingContext ctx) {
        String id = ctx.request().getHeader(HEADER);
        if (id == null || !SANE.matcher(id).matches()) {
            id = UUID.randomUUID().toString();
        }
        ctx.put(MDC_KEY, id);
        ctx.response().putHeader(HEADER, id);
        MDC.put(MDC_KEY, id); // Quarkus keeps the MDC on the request's (duplicated) Vert.x context
        ctx.next();
    }

    /** The id of the request being handled on {@code ctx}. */
    public static String of(RoutingContext ctx) {
        return ctx.get(MDC_KEY);
    }
}
