package org.vigil.export.rest;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.vigil.contracts.Access;
import org.vigil.export.service.ExportProblem;

/**
 * The export service's answers to trouble: its own refusals with their details (403 naming the role, 404, 409 naming
 * the missing segment, 507 with the free space), and anything unexpected as 500 with an error id that is also in the
 * log, never a stack trace.
 */
public final class Errors {

    private static final Logger LOG = Logger.getLogger(Errors.class);
    /** On every export and download answer: when it was produced, UTC. */
    public static final String EXPORT_UTC = "X-Export-UTC";

    static Response of(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", code, "message", message)).build();
    }

    static Response forbidden() {
        return Response.status(403).type(MediaType.APPLICATION_JSON).entity(Map.of("error", "forbidden",
                "message", "exporting needs the " + Access.OPERATOR + " role or higher", "requiredRole",
                Access.OPERATOR)).build();
    }

    @ServerExceptionMapper
    public Response problem(ExportProblem p) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", p.code);
        body.put("message", p.getMessage());
        body.putAll(p.details);
        return Response.status(p.status).type(MediaType.APPLICATION_JSON).entity(body).build();
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        if (e instanceof WebApplicationException w) {
            return w.getResponse();
        }
        if (e instanceof io.quarkus.security.AuthenticationFailedException
                || e instanceof io.quarkus.security.UnauthorizedException) {
            return Response.status(401).build();
        }
        if (e instanceof io.quarkus.security.ForbiddenException) {
            return forbidden();
        }
        String id = UUID.randomUUID().toString();
        LOG.errorf(e, "error id %s: %s", id, e.getMessage());
        return Response.status(500).type(MediaType.APPLICATION_JSON).entity(Map.of("error", "internal", "errorId", id,
                "message", "something went wrong; quote error id " + id + " (it is in the export service's log)"))
                .build();
    }
}
