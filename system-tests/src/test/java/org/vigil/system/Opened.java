package org.vigil.system;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What a test started, closed in the reverse order at its end, each failure to close reported and passed over. */
final class Opened implements AutoCloseable {

    private final List<AutoCloseable> open = new ArrayList<>();

    <T extends AutoCloseable> T add(T c) {
        open.add(c);
        return c;
    }

    /** A process, stopped (SIGTERM, then SIGKILL after 15 s) at the end. */
    Process add(Process p) {
        open.add(() -> {
            p.destroy();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        });
        return p;
    }

    @Override
    public void close() {
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                System.err.println("teardown: " + e);
            }
        }
        open.clear();
    }
}
