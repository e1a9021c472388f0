package org.vigil.devstack.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A broker a test can kill for real (SIGKILL) and start again on the same data directory and ports: a
 * {@link KafkaProcess} in a JVM of its own, its output appended to {@code <home>/kafka.log}.
 */
public final class KillableKafka implements AutoCloseable {

    private static final Duration START = Duration.ofSeconds(90);

    private final Path home;
    private final int port;
    private final int controllerPort;
    private final List<String> member;
    private Process process;
    private int starts;

    /** A broker whose data lives in {@code home} (emptied now), on two free ports. */
    public KillableKafka(Path home) throws IOException {
        this(home, SharedServers.freePort(), SharedServers.freePort(), List.of());
    }

    /**
     * A broker on the given ports whose data lives in {@code home} (emptied now); {@code member} is {@link
     * KafkaProcess}'s {@code --member …} arguments, or empty.
     */
    KillableKafka(Path home, int port, int controllerPort, List<String> member) throws IOException {
        this.member = List.copyOf(member);
        this.home = home.toAbsolutePath();
        if (Files.exists(this.home)) {
            try (var walk = Files.walk(this.home)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(this.home);
        this.port = port;
        this.controllerPort = controllerPort;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Starts the broker (again) and waits until it serves. */
    public void start() throws Exception {
        launch();
        awaitServing();
    }

    /** Starts the broker's process (again), without waiting: a quorum's members must start together. */
    void launch() throws IOException {
        Path log = home.resolve("kafka.log");
        List<String> args = new ArrayList<>(List.of(home.resolve("data").toString(), Integer.toString(port),
                Integer.toString(controllerPort)));
        args.addAll(member);
        process = new ProcessBuilder(JavaCommand.of(Stream.concat(Stream.of("-Xmx256m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), KafkaProcess.class.getName()), args.stream())
                .toArray(String[]::new)))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        starts++;
    }

    /** Waits until the broker launched last serves. */
    void awaitServing() throws Exception {
        Path log = home.resolve("kafka.log");
        int expected = starts;
        long deadline = System.nanoTime() + START.toNanos();
        while (readyLines(log) < expected) {
            if (!process.isAlive() || System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("Kafka did not serve within " + START.toSeconds() + " s (exit "
                        + (process.isAlive() ? "none" : process.exitValue()) + "); see " + log);
            }
            Thread.sleep(100);
        }
    }

    private static long readyLines(Path log) throws IOException {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return lines.stream().filter(l -> l.startsWith("KAFKA READY")).count();
    }

    /** Kills the broker with SIGKILL and waits until it is gone. */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly().waitFor();
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
