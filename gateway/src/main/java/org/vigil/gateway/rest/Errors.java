package org.vigil.gateway.rest;

import java.util.Map;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The gateway's error answers: {@code {"error": code, "message": text}}. */
final class Errors {

    private Errors() {
    }

    static Response of(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", code, "message", message)).build();
    }
}
