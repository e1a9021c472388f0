package org.vigil.devstack.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.vigil.contracts.Json;

/**
 * Keeps what {@code ./vigil up} started running: a process that exits while Vigil is up (a crash, an out-of-memory
 * exit, {@code kill -9}) is started again after the {@link RestartPolicy}'s back-off, and each exit, restart and
 * return to readiness is printed and counted. After too many fast failures in a row it gives up on that process and
 * says so; the rest keeps running. The figures are written to {@code run/supervisor.json} for {@code ./vigil status}.
 */
final class Supervisor implements AutoCloseable {

    /** How to (re)start one supervised process and tell that it is ready. */
    interface Child {
        /** Starts the process; returns its handle once it has been spawned (not necessarily ready). */
        ProcessHandle start() throws IOException;

        boolean ready();
    }

    /** What {@code ./vigil status} shows of one supervised process. */
    record State(String name, String state, long pid, int restarts, String lastExit, Instant lastExitAt) {
    }

    private static final class Entry {
        final String name;
        final Child child;
        ProcessHandle handle;
        Instant startedAt;
        int restarts;
        int fastFailures;
        String state = "running";
        String lastExit;
        Instant lastExitAt;

        Entry(String name, Child child) {
            this.name = name;
            this.child = child;
        }
    }

    private final RestartPolicy policy;
    private final InstantSource clock;
    private final Path stateFile;
    private final Object stateLock = new Object();
    private final Consumer<String> out;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vigil-supervisor");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean stopping;

    Supervisor(RestartPolicy policy, InstantSource clock, Path stateFile, Consumer<String> out) {
        this.policy = policy;
        this.clock = clock;
        this.stateFile = stateFile;
        this.out = out;
    }

    /** Supervises a process that is already running (started by the caller, whose handle this is). */
    synchronized void watch(String name, ProcessHandle running, Child child) {
        Entry e = new Entry(name, child);
        e.handle = running;
        e.startedAt = running.info().startInstant().orElse(clock.instant());
        entries.put(name, e);
        onExit(e, running);
        writeState();
    }

    private void onExit(Entry e, ProcessHandle h) {
        h.onExit().thenAccept(p -> exited(e, p));
    }

    private void exited(Entry e, ProcessHandle p) {
        if (stopping) {
            return;
        }
        RestartPolicy.Decision d;
        synchronized (this) {
            if (e.handle != p) {
                return; // a handle replaced meanwhile
            }
            Instant now = clock.instant();
            e.lastExitAt = now;
            e.lastExit = "pid " + p.pid() + " exited after " + human(Duration.between(e.startedAt, now));
            d = policy.onExit(e.startedAt, now, e.fastFailures);
            e.fastFailures = d.fastFailures();
            e.state = d.delay().isPresent() ? "restarting" : "gave up";
            writeState();
        }
        if (d.delay().isEmpty()) {
            out.accept("! " + e.name + " " + e.lastExit + ": " + d.fastFailures() + " fast failures in a row, so it is "
                    + "not restarted again. See its log; restart Vigil once the cause is fixed.");
            return;
        }
        out.accept("! " + e.name + " " + e.lastExit + "; restarting in " + human(d.delay().get()) + " (restart "
                + (e.restarts + 1) + ")");
        timer.schedule(() -> restart(e), d.delay().get().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void restart(Entry e) {
        if (stopping) {
            return;
        }
        ProcessHandle h;
        try {
            h = e.child.start();
        } catch (IOException | RuntimeException ex) {
            out.accept("! " + e.name + " could not be started again: " + ex.getMessage());
            exitedWithoutProcess(e, ex.getMessage());
            return;
        }
        synchronized (this) {
            e.handle = h;
            e.startedAt = clock.instant();
            e.restarts++;
            e.state = "starting";
            writeState();
        }
        onExit(e, h);
        awaitReady(e, h, System.nanoTime());
    }

    /** A restart that failed before a process existed counts like a process that died at once. */
    private void exitedWithoutProcess(Entry e, String why) {
        RestartPolicy.Decision d;
        synchronized (this) {
            Instant now = clock.instant();
            e.lastExitAt = now;
            e.lastExit = "start failed: " + why;
            d = policy.onExit(now, now, e.fastFailures); // as if it died at once
            e.fastFailures = d.fastFailures();
            e.restarts++;
            e.state = d.delay().isPresent() ? "restarting" : "gave up";
            writeState();
        }
        d.delay().ifPresentOrElse(
                delay -> timer.schedule(() -> restart(e), delay.toMillis(), TimeUnit.MILLISECONDS),
                () -> out.accept("! " + e.name + ": gave up after " + d.fastFailures() + " failed starts in a row"));
    }

    private void awaitReady(Entry e, ProcessHandle h, long t0) {
        if (stopping || !h.isAlive()) {
            return;
        }
        boolean ready;
        try {
            ready = e.child.ready();
        } catch (RuntimeException ex) {
            ready = false;
        }
        if (ready) {
            synchronized (this) {
                if (e.handle == h) {
                    e.state = "running";
                    writeState();
                }
            }
            out.accept("  " + e.name + " ready again (restart " + e.restarts + ", "
                    + String.format(java.util.Locale.ROOT, "%.1f s", (System.nanoTime() - t0) / 1e9) + ")");
            return;
        }
        timer.schedule(() -> awaitReady(e, h, t0), 250, TimeUnit.MILLISECONDS);
    }

    synchronized List<State> states() {
        return entries.values().stream().map(e -> new State(e.name, e.state, e.handle == null ? -1 : e.handle.pid(),
                e.restarts, e.lastExit, e.lastExitAt)).toList();
    }

    private void writeState() {
        if (stateFile == null) {
            return;
        }
        // under the lock that close() deletes under: a write either lands before the delete or sees stopping (a
        // process's exit is noticed on another thread than the timer's, which close() alone cannot wait for)
        synchronized (stateLock) {
            if (stopping) {
                return; // stopping: the file is being forgotten, a late write must not bring it back
            }
            try {
                Path tmp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
                Files.write(tmp, Json.write(states()));
                Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException ex) {
                out.accept("  (could not write " + stateFile + ": " + ex.getMessage() + ")");
            }
        }
    }

    /** Reads what a running launcher wrote; empty when none is running or it wrote nothing yet. */
    static Optional<List<State>> read(Path stateFile) {
        try {
            if (!Files.exists(stateFile)) {
                return Optional.empty();
            }
            return Optional.of(List.of(Json.read(Files.readString(stateFile, StandardCharsets.UTF_8)
                    .getBytes(StandardCharsets.UTF_8), State[].class)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 1) {
            return d.toMillis() + " ms";
        }
        return s < 120 ? s + " s" : s / 60 + " min";
    }

    /** Stops restarting (call before stopping the processes) and forgets the state file. */
    @Override
    public void close() {
        stopping = true;
        timer.shutdownNow();
        try {
            // a check already running (it may be writing the state file) ends before the file is deleted
            timer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stateFile != null) {
            synchronized (stateLock) {
                try {
                    Files.deleteIfExists(stateFile);
                    Files.deleteIfExists(stateFile.resolveSibling(stateFile.getFileName() + ".tmp"));
                } catch (IOException e) {
                    // nothing to do
                }
            }
        }
    }
}
