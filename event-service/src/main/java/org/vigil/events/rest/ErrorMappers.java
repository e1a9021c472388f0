package org.vigil.events.rest;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Errors as small JSON bodies that say what was wrong, never stack traces. */
public class ErrorMappers {

    @ServerExceptionMapper
    public Response badRequest(BadRequest e) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", "bad_request");
        body.put("parameter", e.parameter());
        body.put("message", e.getMessage());
        return Response.status(400).type(MediaType.APPLICATION_JSON).entity(body).build();
    }
}
