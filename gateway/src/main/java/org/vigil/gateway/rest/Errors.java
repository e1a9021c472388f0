package org.vigil.gateway.rest;

import java.util.Map;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The gateway's error answers: {@code {"error": code, "message": text}}. */
final class Errors {

    private Errors() {
    }

    /** 503 with Retry-After: the password hashing pool is full (a flood of sign-ins); nothing was done. */
    static Response busy() {
        return Response.status(503).type(MediaType.APPLICATION_JSON).header("Retry-After", "1")
                .entity(Map.of("error", "busy", "message", "The server is busy checking other sign-ins; try again "
                        + "in a moment.")).build();
    }

    /** 429 with Retry-After in whole seconds (at least 1). */
    static Response tooMany(java.time.Duration retryAfter, String message) {
        long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
        return Response.status(429).type(MediaType.APPLICATION_JSON).header("Retry-After", Long.toString(seconds))
                .entity(Map.of("error", "locked", "message", message.replace("{s}", Long.toString(seconds))))
                .build();
    }

    static Response of(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", code, "message", message)).build();
    }
}
