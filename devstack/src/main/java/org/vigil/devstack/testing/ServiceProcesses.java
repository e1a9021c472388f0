package org.vigil.devstack.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Services started as their own JVMs by tests and benchmarks: readiness, CPU time and resident memory. */
public final class ServiceProcesses {

    /** USER_HZ on Linux: the unit of the CPU times in /proc/[pid]/stat. */
    public static final long TICKS_PER_SECOND = 100;

    private ServiceProcesses() {
    }

    /**
     * Waits until {@code /q/health/ready} on the service's management port answers 200; fails if the process dies or
     * time runs out. (Start each service with its own QUARKUS_MANAGEMENT_PORT.)
     */
    public static void awaitReady(int port, Process p, Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("the service on port " + port + " exited with " + p.exitValue());
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                        .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the service on port " + port + " was not ready within " + timeout);
    }

    /** User plus system CPU time of the processes so far, in ticks ({@link #TICKS_PER_SECOND}). */
    public static long cpuTicks(List<Process> processes) throws IOException {
        long sum = 0;
        for (Process p : processes) {
            String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            sum += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
        }
        return sum;
    }

    /** The heap a service uses now and its limit, in bytes, from its metrics on its management port. */
    public static long[] heapBytes(int managementPort) throws IOException, InterruptedException {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + managementPort + "/q/metrics")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        long used = 0;
        long max = 0;
        for (String line : metrics.lines().toList()) {
            if (line.contains("area=\"heap\"")) {
                double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                if (line.startsWith("jvm_memory_used_bytes")) {
                    used += (long) v;
                } else if (line.startsWith("jvm_memory_max_bytes") && v > 0) {
                    max += (long) v;
                }
            }
        }
        return new long[] {used, max};
    }

    /** Resident memory of a process, in KiB. */
    public static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return 0;
    }
}
