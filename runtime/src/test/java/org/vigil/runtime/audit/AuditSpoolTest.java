package org.vigil.runtime.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.Json;
import org.vigil.runtime.media.RecordingLayout;

/**
 * The audit spool on a real disk with Kafka unreachable (a port nothing listens on): what {@code record} has made
 * durable when it returns, who may read it, what closing leaves, and the last resort. Delivery to a real broker, a
 * broker killed mid-write and a spool left by a killed process are tested in recorder-service
 * ({@code AuditSpoolDeliveryTest}), where the embedded broker is.
 */
class AuditSpoolTest {

    @TempDir
    Path tmp;

    @Test
    void anEntryIsOnDiskOwnerOnlyWhenRecordReturnsWithKafkaDown() throws Exception {
        Path dir = tmp.resolve("spool");
        try (AuditSpool spool = start(dir, new SimpleMeterRegistry())) {
            CompletableFuture<Void> done = record(spool, "1");

            assertThat(done).as("recorded without waiting for Kafka").isCompleted();
            List<Path> files = entryFiles(dir);
            assertThat(files).as("entry files").hasSize(1);
            Path file = files.get(0);
            byte[] content = Files.readAllBytes(file);
            int nl = indexOf(content, (byte) '\n');
            assertThat(new String(content, 0, nl, java.nio.charset.StandardCharsets.US_ASCII))
                    .as("the traceparent line").matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
            AuditEntry e = Json.read(Arrays.copyOfRange(content, nl + 1, content.length), AuditEntry.class);
            assertThat(e.service()).isEqualTo("test-service");
            assertThat(e.details()).containsEntry("n", "1");
            assertThat(file.getFileName().toString()).endsWith("-" + e.id() + ".audit");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                    .isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
            assertThat(spool.pending()).isEqualTo(1);
        }
    }

    @Test
    void spoolFilesAreNeverTakenForRecordingsByTheRecorderOrRetention() throws Exception {
        Path dir = tmp.resolve("spool");
        try (AuditSpool spool = start(dir, new SimpleMeterRegistry())) {
            record(spool, "1");
            record(spool, "2");
        }
        try (Stream<Path> all = Files.walk(dir)) {
            List<String> names = all.map(p -> p.getFileName().toString()).toList();
            assertThat(names).as("the spool's files and directories").hasSizeGreaterThan(3)
                    .noneMatch(RecordingLayout::isSegmentFile).noneMatch(RecordingLayout::isVideo)
                    .allSatisfy(n -> assertThat(RecordingLayout.parse(n)).isEmpty());
        }
    }

    @Test
    void closingWithKafkaDownKeepsTheEntriesOnDiskAndReturnsWithinSeconds() throws Exception {
        Path dir = tmp.resolve("spool");
        AuditSpool spool = start(dir, new SimpleMeterRegistry());
        for (int i = 0; i < 3; i++) {
            record(spool, Integer.toString(i));
        }

        long t0 = System.nanoTime();
        spool.close();

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("close, Kafka down").isLessThan(Duration.ofSeconds(10));
        assertThat(entryFiles(dir)).as("entries left for the next start").hasSize(3);
        assertThat(entryFiles(dir).stream().map(p -> p.getFileName().toString()).sorted().toList())
                .as("named in the order they were recorded")
                .allSatisfy(n -> assertThat(n).matches("\\d{20}-[0-9a-f-]{36}\\.audit"))
                .extracting(n -> n.substring(0, 20)).containsExactly("00000000000000000001", "00000000000000000002",
                        "00000000000000000003");
    }

    @Test
    void anEntryNeitherTheSpoolNorKafkaTakesIsCountedLost() throws Exception {
        Path notADirectory = Files.writeString(tmp.resolve("spool"), "a file where the spool directory should be");
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        try (AuditSpool spool = start(notADirectory, metrics)) {
            CompletableFuture<Void> done = record(spool, "1");

            done.get(60, TimeUnit.SECONDS); // never exceptionally: after the send timeout, counted lost
            assertThat(metrics.counter("vigil_audit_lost_total").count()).isEqualTo(1);
            assertThat(metrics.counter("vigil_audit_sent_total").count()).isZero();
            assertThat(spool.pending()).isZero();
        }
    }

    private static AuditSpool start(Path dir, SimpleMeterRegistry metrics) throws IOException {
        Properties kafka = new Properties();
        try (ServerSocket s = new ServerSocket(0)) {
            kafka.put("bootstrap.servers", "127.0.0.1:" + s.getLocalPort()); // closed again: nothing listens there
        }
        kafka.put("max.block.ms", "3000"); // a send gives up after 3 s here (15 s by default)
        return AuditSpool.start("test-service", dir, kafka, InstantSource.system(), metrics);
    }

    private static CompletableFuture<Void> record(AuditSpool spool, String n) {
        return spool.record("tester", "test.entry", AuditEntry.SYSTEM + "spool", null, "success", Map.of("n", n))
                .toCompletableFuture();
    }

    private static List<Path> entryFiles(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(p -> p.getFileName().toString().endsWith(".audit")).toList();
        }
    }

    private static int indexOf(byte[] b, byte x) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }
}
