package org.vigil.recorder.audit;

import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;
import java.util.Properties;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.vigil.contracts.AuditEntry;
import org.vigil.runtime.audit.AuditSpool;

/**
 * A recorder's audit spool in a JVM of its own, for a test to kill with SIGKILL (no close, no shutdown hook):
 * {@code java -cp … SpoolingProcess <dir> <bootstrap> <actor> <n>} records entries {@code 0..n-1} (their number in the
 * details), prints {@code SPOOLED <n>} once each is durable, and waits to be killed.
 */
public final class SpoolingProcess {

    private SpoolingProcess() {
    }

    public static void main(String[] args) throws Exception {
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", args[1]);
        AuditSpool spool = AuditSpool.start("recorder-service", Path.of(args[0]), kafka, InstantSource.system(),
                new SimpleMeterRegistry());
        int n = Integer.parseInt(args[3]);
        for (int i = 0; i < n; i++) {
            spool.record(args[2], "test.entry", AuditEntry.SYSTEM + "spool", null, "success",
                    Map.of("n", Integer.toString(i))).toCompletableFuture().join();
        }
        System.out.println("SPOOLED " + n);
        System.out.flush();
        Thread.currentThread().join();
    }
}
