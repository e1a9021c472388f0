package org.vigil.devstack.launcher;

/** A problem the user can fix; its message is one line that says what and how, printed without a stack trace. */
public class LaunchException extends RuntimeException {

    public LaunchException(String message) {
        super(message);
    }

    public LaunchException(String message, Throwable cause) {
        super(message, cause);
    }
}
