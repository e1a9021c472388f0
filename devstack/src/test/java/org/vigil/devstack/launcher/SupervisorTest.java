package org.vigil.devstack.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SupervisorTest {

    private static final RestartPolicy QUICK = new RestartPolicy(Duration.ofMillis(50), Duration.ofMillis(200),
            Duration.ofSeconds(60), 3);

    @Test
    void backOffDoublesForFastFailuresAndResetsAfterAHealthyRun() {
        RestartPolicy p = RestartPolicy.DEFAULT;
        Instant t = Instant.parse("2026-12-04T10:00:00Z");
        RestartPolicy.Decision first = p.onExit(t, t.plusSeconds(2), 0);
        assertThat(first.delay()).contains(Duration.ofSeconds(1));
        RestartPolicy.Decision second = p.onExit(t, t.plusSeconds(2), first.fastFailures());
        assertThat(second.delay()).contains(Duration.ofSeconds(2));
        RestartPolicy.Decision third = p.onExit(t, t.plusSeconds(2), second.fastFailures());
        assertThat(third.delay()).contains(Duration.ofSeconds(4));
        RestartPolicy.Decision healthy = p.onExit(t, t.plusSeconds(3600), third.fastFailures());
        assertThat(healthy.fastFailures()).isZero();
        assertThat(healthy.delay()).contains(Duration.ofSeconds(1));
    }

    @Test
    void givesUpAfterTheConfiguredFastFailuresInARow() {
        RestartPolicy p = new RestartPolicy(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(60), 5);
        Instant t = Instant.parse("2026-12-04T10:00:00Z");
        int fast = 0;
        for (int i = 1; i < 5; i++) {
            RestartPolicy.Decision d = p.onExit(t, t.plusSeconds(1), fast);
            assertThat(d.delay()).as("failure %d", i).isPresent();
            fast = d.fastFailures();
        }
        assertThat(p.onExit(t, t.plusSeconds(1), fast).delay()).isEmpty();
        assertThat(new RestartPolicy(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(60), 99)
                .onExit(t, t, 20).delay()).as("capped").contains(Duration.ofSeconds(5));
    }

    @Test
    void restartsAKilledProcessAndCountsIt(@TempDir Path dir) throws Exception {
        List<String> said = new CopyOnWriteArrayList<>();
        Path state = dir.resolve("supervisor.json");
        AtomicInteger starts = new AtomicInteger();
        try (Supervisor s = new Supervisor(QUICK, InstantSource.system(), state, said::add)) {
            Process first = sleeper();
            s.watch("sleeper", first.toHandle(), child(() -> {
                starts.incrementAndGet();
                return sleeper();
            }, () -> true));
            first.destroyForcibly().waitFor();
            await(() -> starts.get() == 1 && s.states().get(0).state().equals("running"));
            Supervisor.State st = s.states().get(0);
            assertThat(st.restarts()).isEqualTo(1);
            assertThat(st.pid()).isNotEqualTo(first.pid());
            assertThat(ProcessHandle.of(st.pid()).map(ProcessHandle::isAlive)).contains(true);
            assertThat(Supervisor.read(state).orElseThrow().get(0).restarts()).as("what ./vigil status reads")
                    .isEqualTo(1);
            assertThat(StatusCommand.supervision(st)).contains("restarted 1 time");
            assertThat(said).anyMatch(l -> l.startsWith("! sleeper pid " + first.pid() + " exited"))
                    .anyMatch(l -> l.contains("sleeper ready again (restart 1"));
            ProcessHandle.of(st.pid()).ifPresent(ProcessHandle::destroyForcibly);
        }
        assertThat(state).as("forgotten when the launcher stops").doesNotExist();
    }

    @Test
    void givesUpOnAProcessThatDiesAtOnceAndSaysSo(@TempDir Path dir) throws Exception {
        List<String> said = new CopyOnWriteArrayList<>();
        try (Supervisor s = new Supervisor(QUICK, InstantSource.system(), dir.resolve("s.json"), said::add)) {
            Process first = new ProcessBuilder("true").start();
            s.watch("crasher", first.toHandle(), child(() -> new ProcessBuilder("true").start(), () -> false));
            await(() -> said.stream().anyMatch(l -> l.contains("crasher") && l.contains("not restarted again")));
            assertThat(s.states().get(0).state()).isEqualTo("gave up");
            assertThat(s.states().get(0).restarts()).isEqualTo(2);
            assertThat(StatusCommand.supervision(s.states().get(0))).contains("GAVE UP");
        }
    }

    private interface Spawn {
        Process spawn() throws IOException;
    }

    private static Supervisor.Child child(Spawn spawn, BooleanSupplier ready) {
        return new Supervisor.Child() {
            @Override
            public ProcessHandle start() throws IOException {
                return spawn.spawn().toHandle();
            }

            @Override
            public boolean ready() {
                return ready.getAsBoolean();
            }
        };
    }

    private static Process sleeper() throws IOException {
        return new ProcessBuilder("sleep", "60").start();
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(20);
        }
    }
}
