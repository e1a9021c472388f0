package org.vigil.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * A launcher killed with SIGKILL cannot clean up. Its services still stop (they get a parent-death signal), and
 * the next {@code ./vigil up} on the same data directory stops the PostgreSQL it left and starts normally.
 */
class KilledLauncherIT {

    @Test
    void theNextStartRecoversFromALauncherKilledWithSigkill() throws Exception {
        Path home = Path.of("target", "it-killed").toAbsolutePath();
        WholeStackIT.deleteTree(home);
        Stack first = new Stack(home, Map.of()).start(Duration.ofMinutes(4));
        Map<Long, String> children = first.children();
        assertThat(children).isNotEmpty();

        ProcessHandle.of(first.pid()).orElseThrow().destroyForcibly();
        first.process().waitFor();

        for (Map.Entry<Long, String> c : children.entrySet()) {
            var h = ProcessHandle.of(c.getKey());
            if (h.isPresent()) {
                try {
                    h.get().onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new AssertionError(c.getValue() + " did not stop within 60 s of its launcher's death");
                }
            }
        }

        Stack second = new Stack(home, Map.of());
        second.env.putAll(first.env);
        try (Stack again = second.start(Duration.ofMinutes(4))) {
            assertThat(again.output).anyMatch(l -> l.contains("left by an earlier run: postgres"));
            assertThat(again.output).anyMatch(l -> l.startsWith("Vigil is up"));
        }
    }
}
