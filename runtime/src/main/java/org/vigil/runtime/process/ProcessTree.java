package org.vigil.runtime.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Stopping a child process and everything it started: SIGTERM to all of them at once, then, after a grace period,
 * SIGKILL to what is still alive. {@link ProcessHandle}s know their process's start time, so a reused pid is never
 * signalled.
 */
public final class ProcessTree {

    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private ProcessTree() {
    }

    /** {@code root} and its descendants, root first. */
    public static Set<ProcessHandle> of(ProcessHandle root) {
        Set<ProcessHandle> tree = new LinkedHashSet<>();
        tree.add(root);
        root.descendants().forEach(tree::add);
        return tree;
    }

    /**
     * TERMs every process, gives them {@code grace} together, then KILLs the rest and waits up to ten seconds for them.
     *
     * @return the processes still alive afterwards (empty unless the kernel could not reap them)
     */
    public static List<ProcessHandle> stop(Collection<ProcessHandle> processes, Duration grace) {
        List<ProcessHandle> alive = new ArrayList<>(processes.stream().filter(ProcessTree::running).distinct().toList());
        alive.forEach(ProcessHandle::destroy);
        if (awaitExit(alive, grace)) {
            return List.of();
        }
        alive.removeIf(h -> !running(h));
        alive.forEach(ProcessHandle::destroyForcibly);
        awaitExit(alive, KILL_WAIT);
        return alive.stream().filter(ProcessTree::running).toList();
    }

    /** {@link #stop(Collection, Duration)} for one process and its descendants. */
    public static List<ProcessHandle> stop(ProcessHandle root, Duration grace) {
        return stop(of(root), grace);
    }

    /** Waits until every process has exited or {@code limit} has passed; true when all are gone. */
    public static boolean awaitExit(Collection<ProcessHandle> processes, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (processes.stream().anyMatch(ProcessTree::running)) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return processes.stream().noneMatch(ProcessTree::running);
            }
        }
        return true;
    }

    /**
     * Whether a process still runs. A zombie does not: an orphan is reaped by pid 1 late, or (where a JVM is pid 1 in a
     * container) never, and {@link ProcessHandle#isAlive()} counts it until then.
     */
    public static boolean running(ProcessHandle h) {
        if (!h.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
            int end = stat.lastIndexOf(')');
            return end < 0 || end + 2 >= stat.length() || stat.charAt(end + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            return h.isAlive(); // no /proc (not Linux) or the process is gone
        }
    }
}
