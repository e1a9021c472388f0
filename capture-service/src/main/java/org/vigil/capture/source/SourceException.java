package org.vigil.capture.source;

import java.io.IOException;

/** A camera could not be opened or read. The message never contains credentials. */
public class SourceException extends IOException {

    /** Why, in the terms of the status contract: could not connect, or connected but no frames. */
    public enum Kind {
        CANNOT_CONNECT, NO_SIGNAL
    }

    /**
     * What went wrong, as precisely as the source could tell: what a probe before saving answers (design 0018 §5).
     * {@link #OTHER} when it cannot tell; the message says the rest.
     */
    public enum Cause {
        /** The camera answered 401 or 403: wrong user name or password. */
        UNAUTHORIZED,
        /** The camera answered 404: no stream at that path. */
        NOT_FOUND,
        /** No route, refused, no answer within the timeout, or a name that does not resolve. */
        UNREACHABLE,
        /** Something answered, but not with a video stream (a web page, noise, audio only). */
        NOT_VIDEO,
        /** Connected, but no picture within the timeout. */
        NO_PICTURE,
        OTHER
    }

    private final Kind kind;
    private final boolean endOfFile;
    private final Cause cause;

    public SourceException(Kind kind, String message) {
        this(kind, message, false, Cause.OTHER);
    }

    public SourceException(Kind kind, Cause cause, String message) {
        this(kind, message, false, cause);
    }

    private SourceException(Kind kind, String message, boolean endOfFile, Cause cause) {
        super(message);
        this.kind = kind;
        this.endOfFile = endOfFile;
        this.cause = cause;
    }

    /** A file source played to its end: not a failure, the worker reopens it at once (a demo loop). */
    public static SourceException endOfFile(String message) {
        return new SourceException(Kind.NO_SIGNAL, message, true, Cause.OTHER);
    }

    public Kind kind() {
        return kind;
    }

    public boolean endOfFile() {
        return endOfFile;
    }

    /** What went wrong, where the source could tell. */
    public Cause failure() {
        return cause;
    }

    /** The same failure, seen as {@code other}. */
    public SourceException as(Kind other) {
        return new SourceException(other, getMessage(), endOfFile, cause);
    }
}
