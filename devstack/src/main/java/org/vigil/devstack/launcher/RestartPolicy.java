package org.vigil.devstack.launcher;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When a supervised process that exited is started again. A run that lasted at least {@code stableAfter} was a
 * healthy run: the next restart waits {@code firstDelay}. Runs shorter than that are fast failures: each one doubles
 * the wait, up to {@code maxDelay}, and after {@code giveUpAfter} fast failures in a row the supervisor stops trying
 * (a process that dies at once every time needs a person, not a loop).
 */
public record RestartPolicy(Duration firstDelay, Duration maxDelay, Duration stableAfter, int giveUpAfter) {

    /** 1 s, doubling to 30 s; a run of a minute counts as healthy; five fast failures in a row and it gives up. */
    public static final RestartPolicy DEFAULT = new RestartPolicy(Duration.ofSeconds(1), Duration.ofSeconds(30),
            Duration.ofSeconds(60), 5);

    /**
     * @param fastFailures fast failures in a row before this exit
     * @param delay        how long to wait before starting again; empty means give up
     */
    public record Decision(int fastFailures, Optional<Duration> delay) {
    }

    public RestartPolicy {
        if (firstDelay.isNegative() || maxDelay.compareTo(firstDelay) < 0 || giveUpAfter < 1) {
            throw new IllegalArgumentException("restart policy: 0 <= firstDelay <= maxDelay and giveUpAfter >= 1");
        }
    }

    /** What to do about a process started at {@code startedAt} that exited at {@code exitedAt}. */
    public Decision onExit(Instant startedAt, Instant exitedAt, int fastFailuresBefore) {
        boolean fast = Duration.between(startedAt, exitedAt).compareTo(stableAfter) < 0;
        int fastFailures = fast ? fastFailuresBefore + 1 : 0;
        if (fastFailures >= giveUpAfter) {
            return new Decision(fastFailures, Optional.empty());
        }
        Duration delay = firstDelay;
        for (int i = 1; i < fastFailures && delay.compareTo(maxDelay) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return new Decision(fastFailures, Optional.of(delay.compareTo(maxDelay) > 0 ? maxDelay : delay));
    }
}
