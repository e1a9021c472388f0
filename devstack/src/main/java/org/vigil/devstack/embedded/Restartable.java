package org.vigil.devstack.embedded;

import java.io.IOException;
import java.util.Optional;

/** An embedded server that runs as a process of its own, so that {@code ./vigil up} can restart it when it dies. */
public interface Restartable {

    /** The name the launcher prints, e.g. {@code redis}. */
    String name();

    /** The server's process while it runs. */
    Optional<ProcessHandle> process();

    /** Starts it again on the same data and port after its process died; returns when it answers. */
    void restart() throws IOException;

    /** Whether it answers now. */
    boolean ready();
}
