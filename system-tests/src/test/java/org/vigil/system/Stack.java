package org.vigil.system;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole system started exactly as a user starts it: {@code ./vigil up}, on free ports and a fresh data
 * directory. Keeps every line the launcher prints.
 */
public final class Stack implements AutoCloseable {

    static final List<String> PORTS = List.of("GATEWAY_PORT", "CAPTURE_PORT", "RECORDER_PORT", "EVENT_PORT", "EXPORT_PORT",
            "RETENTION_PORT", "KAFKA_PORT", "KAFKA_CONTROLLER_PORT", "POSTGRES_PORT", "REDIS_PORT",
            "GATEWAY_MANAGEMENT_PORT", "CAPTURE_MANAGEMENT_PORT", "RECORDER_MANAGEMENT_PORT", "EVENT_MANAGEMENT_PORT",
            "EXPORT_MANAGEMENT_PORT", "RETENTION_MANAGEMENT_PORT");
    private static final Pattern ADMIN = Pattern.compile("Admin login:\\s+admin / (\\S+)");

    public final Path home;
    final Map<String, String> env = new HashMap<>();
    public final List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private Process process;
    private Thread reader;
    public String adminPassword;

    public Stack(Path home, Map<String, String> extraEnv) throws IOException {
        this.home = home;
        for (String p : PORTS) {
            env.put(p, Integer.toString(freePort()));
        }
        env.put("VIGIL_HOME", home.toString());
        env.put("VIGIL_SKIP_BUILD", "1");
        env.putAll(extraEnv);
    }

    static Path root() {
        return ModuleBoundariesTest.root();
    }

    public int port(String name) {
        return Integer.parseInt(env.get(name));
    }

    /** Starts {@code ./vigil up} and waits until it says the system is up. */
    public Stack start(Duration timeout) throws Exception {
        process = vigil(List.of("up"), env).start();
        // a test or benchmark JVM that exits without closing this stack must not leave it running on its own
        Process launcher = process;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (launcher.isAlive()) {
                launcher.toHandle().destroy();
                try {
                    launcher.waitFor(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "stop-vigil-up"));
        reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                    lines.add(line);
                }
            } catch (IOException e) {
                // process ended
            }
        }, "vigil-up-output");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(1, TimeUnit.SECONDS);
            if (line == null) {
                if (!process.isAlive()) {
                    throw new AssertionError("./vigil up exited with " + process.exitValue() + ":\n" + String.join("\n", output));
                }
                continue;
            }
            Matcher m = ADMIN.matcher(line);
            if (m.find()) {
                adminPassword = m.group(1);
            }
            if (line.startsWith("Press Ctrl-C")) {
                return this;
            }
        }
        throw new AssertionError("./vigil up was not up within " + timeout.toSeconds() + " s:\n" + String.join("\n", output));
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    /** A {@code ./vigil} command with this stack's environment. */
    static ProcessBuilder vigil(List<String> args, Map<String, String> env) {
        List<String> cmd = new ArrayList<>();
        cmd.add(root().resolve("vigil").toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root().toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        return pb;
    }

    /**
     * One packaged service (its {@code quarkus-run.jar}, which must be built) as a JVM of its own, its output in
     * {@code log}, its environment {@code env} on top of this one's.
     *
     * @param heap the JVM's {@code -Xmx}, such as {@code 256m}
     */
    static ProcessBuilder service(String module, String heap, Path log, Map<String, String> env) {
        Path jar = root().resolve(module + "/target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(module + " is not built: " + jar + " is missing (./mvnw install)");
        }
        ProcessBuilder pb = new ProcessBuilder(org.vigil.devstack.testing.JavaCommand.of("-Xmx" + heap,
                "-XX:+UseSerialGC", "-jar", jar.toString())).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return pb;
    }

    /** Polls {@code ok} every 250 ms until it holds; fails, naming {@code what}, if it does not within {@code timeout}. */
    static void await(String what, Duration timeout, java.util.function.BooleanSupplier ok) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        // asked again after 100 ms, then less often, up to once a second: many checks open a consumer or a database
        // connection, and asking four times a second through a minutes-long wait cost the suite's two cores
        long pause = 100;
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for: " + what);
            }
            Thread.sleep(pause);
            pause = Math.min(1000, pause * 3 / 2);
        }
    }

    /** Runs a short {@code ./vigil} command to its end. */
    public Result run(List<String> args, Map<String, String> extraEnv, Duration timeout) throws Exception {
        Map<String, String> e = new HashMap<>(env);
        e.putAll(extraEnv);
        Process p = vigil(args, e).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("./vigil " + args + " did not finish within " + timeout);
        }
        return new Result(p.exitValue(), out);
    }

    public record Result(int exitCode, String output) {
    }

    /** Stops the launcher as Ctrl-C would (SIGTERM; the terminal's SIGINT takes the same path) and waits. */
    int stop(Duration timeout) throws Exception {
        if (process == null || !process.isAlive()) {
            return process == null ? -1 : process.exitValue();
        }
        // through the handle: Process.destroy() would also close our end of its output
        process.toHandle().destroy();
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("./vigil up did not stop within " + timeout);
        }
        reader.join(timeout.toMillis());
        return process.exitValue();
    }

    /** The processes the launcher recorded as its children: pid and name. */
    public Map<Long, String> children() throws IOException {
        Map<Long, String> out = new HashMap<>();
        Path pids = home.resolve("run/children.pids");
        if (Files.exists(pids)) {
            for (String line : Files.readAllLines(pids)) {
                String[] f = line.trim().split(" ", 3);
                if (f.length == 3) {
                    out.put(Long.parseLong(f[0]), f[2]);
                }
            }
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        stop(Duration.ofSeconds(60));
    }

    /** A free port, never the same twice in this JVM. */
    static int freePort() throws IOException {
        return org.vigil.devstack.testing.SharedServers.freePort();
    }
}
