package org.vigil.capture.source;

import java.io.IOException;

/** A camera could not be opened or read. The message never contains credentials. */
public class SourceException extends IOException {

    /** Why, in the terms of the status contract: could not connect, or connected but no frames. */
    public enum Kind {
        CANNOT_CONNECT, NO_SIGNAL
    }

    private final Kind kind;
    private final boolean endOfFile;

    public SourceException(Kind kind, String message) {
        this(kind, message, false);
    }

    private SourceException(Kind kind, String message, boolean endOfFile) {
        super(message);
        this.kind = kind;
        this.endOfFile = endOfFile;
    }

    /** A file source played to its end: not a failure, the worker reopens it at once (a demo loop). */
    public static SourceException endOfFile(String message) {
        return new SourceException(Kind.NO_SIGNAL, message, true);
    }

    public Kind kind() {
        return kind;
    }

    public boolean endOfFile() {
        return endOfFile;
    }

    /** The same failure, seen as {@code other}. */
    public SourceException as(Kind other) {
        return new SourceException(other, getMessage(), endOfFile);
    }
}
