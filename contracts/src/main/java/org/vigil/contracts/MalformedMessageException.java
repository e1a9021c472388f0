package org.vigil.contracts;

/** A message that cannot be read as its contract says; the message text names what is wrong. */
public class MalformedMessageException extends RuntimeException {

    public MalformedMessageException(String message) {
        super(message);
    }

    public MalformedMessageException(String message, Throwable cause) {
        super(message, cause);
    }
}
