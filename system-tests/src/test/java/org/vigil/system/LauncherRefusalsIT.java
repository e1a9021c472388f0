package org.vigil.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** What the launcher says when it cannot start: one clear line, nothing started, nothing left behind. */
class LauncherRefusalsIT {

    @Test
    void aTakenPortIsNamedWithTheVariableThatMovesIt() throws Exception {
        Path home = Path.of("target", "it-refusals").toAbsolutePath();
        WholeStackIT.deleteTree(home);
        try (ServerSocket taken = new ServerSocket(0)) {
            Stack stack = new Stack(home, Map.of());
            stack.env.put("GATEWAY_PORT", Integer.toString(taken.getLocalPort()));
            Stack.Result r = stack.run(List.of("up"), Map.of(), Duration.ofSeconds(60));

            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.output().trim().lines()).as(r.output()).hasSize(1);
            assertThat(r.output()).contains("Port " + taken.getLocalPort()).contains("GATEWAY_PORT");
            assertThat(home.resolve("run/vigil.lock")).doesNotExist();
        }
    }

    @Test
    void aBadPortValueNamesTheVariable() throws Exception {
        Stack stack = new Stack(Path.of("target", "it-refusals2").toAbsolutePath(), Map.of("REDIS_PORT", "seven"));
        Stack.Result r = stack.run(List.of("up"), Map.of(), Duration.ofSeconds(60));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output()).contains("REDIS_PORT=seven");
    }
}
