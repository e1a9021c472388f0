package org.vigil.events.rest;

/** A query parameter that cannot be used; answered with 400 naming the parameter and the reason. */
public class BadRequest extends RuntimeException {

    private final String parameter;

    public BadRequest(String parameter, String reason) {
        super(reason);
        this.parameter = parameter;
    }

    public String parameter() {
        return parameter;
    }
}
