package org.vigil.devstack.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.vigil.runtime.process.ProcessTree;

/**
 * Starts the processes the launcher owns so that none outlives it:
 * <ul>
 * <li>each child runs in its own session ({@code setsid}), so a Ctrl-C in the terminal reaches only the launcher,
 * which then stops children in order;</li>
 * <li>each child gets a parent-death signal ({@code setpriv --pdeathsig TERM}), so it stops even when the launcher
 * is killed with SIGKILL;</li>
 * <li>every child is written to a pid file, and {@link #reapLeftovers()} stops whatever an earlier, killed launcher
 * left behind.</li>
 * </ul>
 * Children are spawned from one long-lived thread, because Linux delivers the parent-death signal when the
 * spawning <em>thread</em> exits.
 */
public final class ChildProcesses implements AutoCloseable {

    private final Path pidFile;
    private final ExecutorService spawner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "vigil-spawner");
        t.setDaemon(true);
        return t;
    });
    private final List<String> wrapper;

    public ChildProcesses(Path pidFile) {
        this.pidFile = pidFile;
        this.wrapper = detectWrapper();
    }

    private static List<String> detectWrapper() {
        List<String> w = new ArrayList<>();
        if (works("setsid", "--version")) {
            w.add("setsid");
        }
        if (works("setpriv", "--pdeathsig", "TERM", "true")) {
            w.addAll(List.of("setpriv", "--pdeathsig", "TERM"));
        }
        return List.copyOf(w);
    }

    private static boolean works(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Starts {@code command} with {@code extraEnv} added to this process's environment (a null value removes the
     * variable), output appended to {@code log}.
     */
    public Process start(String name, List<String> command, Map<String, String> extraEnv, Path log) throws IOException {
        return start(name, command, extraEnv, log, null);
    }

    /** As {@link #start(String, List, Map, Path)}, in {@code directory} (this process's own when null). */
    public Process start(String name, List<String> command, Map<String, String> extraEnv, Path log, Path directory)
            throws IOException {
        List<String> full = new ArrayList<>(wrapper);
        full.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(full).directory(directory == null ? null : directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        extraEnv.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        Process p;
        try {
            p = spawner.submit(pb::start).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting " + name, e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
        record(name, p.toHandle());
        return p;
    }

    private synchronized void record(String name, ProcessHandle h) throws IOException {
        Instant started = h.info().startInstant().orElse(Instant.EPOCH);
        Files.writeString(pidFile, h.pid() + " " + started.toEpochMilli() + " " + name + "\n",
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /**
     * Stops processes recorded by an earlier launcher that is gone (it held the lock, so it is dead now), then
     * forgets them. A pid is only trusted when its start time matches, so a reused pid is never signalled.
     *
     * @return the names of the processes that had to be stopped
     */
    public synchronized List<String> reapLeftovers() throws IOException {
        List<String> reaped = new ArrayList<>();
        if (Files.exists(pidFile)) {
            for (String line : Files.readAllLines(pidFile)) {
                String[] f = line.trim().split(" ", 3);
                if (f.length < 3) {
                    continue;
                }
                Optional<ProcessHandle> h = ProcessHandle.of(Long.parseLong(f[0]));
                if (h.isPresent() && h.get().isAlive()
                        && h.get().info().startInstant().map(Instant::toEpochMilli).orElse(-1L) == Long.parseLong(f[1])) {
                    ProcessTree.stop(h.get(), Duration.ofSeconds(10));
                    reaped.add(f[2] + " (pid " + f[0] + ")");
                }
            }
        }
        Files.deleteIfExists(pidFile);
        return reaped;
    }

    /** Forgets the pid file; call after every child has been stopped. */
    @Override
    public synchronized void close() throws IOException {
        Files.deleteIfExists(pidFile);
        spawner.shutdownNow();
    }
}
