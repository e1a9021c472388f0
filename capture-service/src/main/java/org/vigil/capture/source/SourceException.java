package org.vigil.capture.source;

import java.io.IOException;

/** A camera could not be opened or read. The message never contains credentials. */
public class SourceException extends IOException {

    /** Why, in the terms of the status contract: could not connect, or connected but no frames. */
    public enum Kind {
        CANNOT_CONNECT, NO_SIGNAL
    }

    private final Kind kind;

    public SourceException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
