package org.vigil.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class ProcessTreeTest {

    @Test
    void stopsAChildAndTheProcessesItStarted() throws Exception {
        // a shell that starts a grandchild and then waits: TERM to the shell alone would orphan the sleep
        Process shell = new ProcessBuilder("sh", "-c", "sleep 300 & wait").start();
        Set<ProcessHandle> tree = awaitTree(shell.toHandle(), 2);

        assertThat(ProcessTree.stop(shell.toHandle(), Duration.ofSeconds(5))).isEmpty();

        assertThat(tree).noneMatch(ProcessTree::running); // an orphan may linger as a zombie until pid 1 reaps it
    }

    @Test
    void killsWhatIgnoresTheTerminateSignalOnceTheGracePeriodIsOver() throws Exception {
        Process stubborn = new ProcessBuilder("sh", "-c", "trap '' TERM; while :; do sleep 0.1; done").start();
        awaitTree(stubborn.toHandle(), 2); // a sleep has started: the trap is set
        long start = System.nanoTime();

        assertThat(ProcessTree.stop(stubborn.toHandle(), Duration.ofMillis(300))).isEmpty();

        // killed: it ends (the JDK's reaper may take a moment to notice on a loaded machine; a process that ignored
        // the kill would run its loop forever)
        assertThat(stubborn.waitFor(5, TimeUnit.SECONDS)).as("the stubborn process ended").isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(300);
    }

    /** Polls until {@code root}'s tree has {@code size} processes (the shell has forked), 10 s at the most. */
    private static Set<ProcessHandle> awaitTree(ProcessHandle root, int size) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Set<ProcessHandle> tree = ProcessTree.of(root);
        while (tree.size() < size && System.nanoTime() < deadline) {
            Thread.sleep(20);
            tree = ProcessTree.of(root);
        }
        assertThat(tree).hasSizeGreaterThanOrEqualTo(size);
        return tree;
    }
}
