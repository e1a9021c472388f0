package org.vigil.system;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a test started, closed in the reverse order at its end, each failure to close reported and passed over. Safe to
 * add to from several threads (a test that starts things side by side).
 */
final class Opened implements AutoCloseable {

    private final List<AutoCloseable> open = java.util.Collections.synchronizedList(new ArrayList<>());

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
        List<AutoCloseable> all;
        synchronized (open) {
            all = new ArrayList<>(open);
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                all.get(i).close();
            } catch (Exception e) {
                System.err.println("teardown: " + e);
            }
        }
        open.clear();
    }
}
