package org.vigil.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

import org.junit.jupiter.api.Test;

class SignInThrottleTest {

    private static final class Clock implements InstantSource {
        Instant now = Instant.parse("2026-12-04T10:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    private final Clock clock = new Clock();
    private final SignInThrottle throttle = new SignInThrottle(SignInThrottle.Rules.DEFAULT, clock);

    private void fail(String account, String address, int times) {
        for (int i = 0; i < times; i++) {
            assertThat(throttle.check(account, address, false).allowed()).as("attempt %d", i + 1).isTrue();
            throttle.failed(account, address, false);
        }
    }

    @Test
    void fiveFailuresLockTheAccountForThatAddressOnly() {
        fail("admin", "192.0.2.1", 5);
        SignInThrottle.Verdict v = throttle.check("admin", "192.0.2.1", false);
        assertThat(v.allowed()).isFalse();
        assertThat(v.retryAfter()).isEqualTo(Duration.ofMinutes(5));
        assertThat(throttle.check("admin", "198.51.100.7", false).allowed())
                .as("the real admin, from another address").isTrue();
    }

    @Test
    void anUnknownNameIsLockedExactlyLikeARealOne() {
        fail("no-such-user", "192.0.2.2", 5);
        fail("admin", "192.0.2.3", 5);
        assertThat(throttle.check("no-such-user", "192.0.2.2", false))
                .isEqualTo(throttle.check("admin", "192.0.2.3", false));
    }

    @Test
    void aLockThatHasExpiredStartsAgainFromZero() {
        fail("operator1", "192.0.2.4", 5);
        clock.advance(Duration.ofMinutes(5));
        assertThat(throttle.check("operator1", "192.0.2.4", false).allowed()).isTrue();
        // four more failures are free again: the count started from zero, not from five
        fail("operator1", "192.0.2.4", 4);
        assertThat(throttle.check("operator1", "192.0.2.4", false).allowed()).isTrue();
        throttle.failed("operator1", "192.0.2.4", false);
        assertThat(throttle.check("operator1", "192.0.2.4", false).allowed()).isFalse();
    }

    @Test
    void anAddressThatKeepsFailingWaitsLongerEachTime() {
        for (int i = 0; i < 10; i++) {
            throttle.failed("user" + i, "192.0.2.5", false);
        }
        assertThat(throttle.check("someone", "192.0.2.5", false).allowed()).as("ten failures are free").isTrue();
        Duration previous = Duration.ZERO;
        for (int i = 0; i < 12; i++) {
            throttle.failed("user-x" + i, "192.0.2.5", false);
            SignInThrottle.Verdict v = throttle.check("someone-else", "192.0.2.5", false);
            assertThat(v.allowed()).isFalse();
            assertThat(v.reason()).isEqualTo("address");
            assertThat(v.retryAfter()).isGreaterThanOrEqualTo(previous).isLessThanOrEqualTo(Duration.ofMinutes(10));
            previous = v.retryAfter();
            clock.advance(v.retryAfter());
        }
        assertThat(previous).as("capped").isEqualTo(Duration.ofMinutes(10));
        // an hour without failures and it is forgotten
        clock.advance(Duration.ofHours(1));
        throttle.failed("again", "192.0.2.5", false);
        assertThat(throttle.check("again2", "192.0.2.5", false).allowed()).isTrue();
    }

    @Test
    void aSuccessDoesNotWipeTheAddressCount() {
        for (int i = 0; i < 11; i++) {
            throttle.failed("victim" + i, "192.0.2.6", false);
        }
        throttle.succeeded("attacker-own-account", "192.0.2.6");
        assertThat(throttle.check("victim", "192.0.2.6", false).allowed()).isFalse();
    }

    @Test
    void aDistributedAttackLocksBrowsersWithoutTheDeviceCookieButNotTheOwners() {
        for (int a = 1; a <= 4; a++) {
            fail("ceo", "203.0.113." + a, 2);
        }
        assertThat(throttle.check("ceo", "198.51.100.1", false).allowed()).as("four addresses: not yet").isTrue();
        fail("ceo", "203.0.113.5", 1);
        SignInThrottle.Verdict v = throttle.check("ceo", "198.51.100.1", false);
        assertThat(v.allowed()).as("five addresses: locked for new browsers").isFalse();
        assertThat(v.retryAfter()).isEqualTo(Duration.ofMinutes(1));
        assertThat(throttle.accountLocked("ceo")).isTrue();
        assertThat(throttle.check("ceo", "198.51.100.1", true).allowed()).as("the owner's browser").isTrue();
        assertThat(throttle.check("cfo", "198.51.100.1", false).allowed()).as("other accounts").isTrue();
        // it doubles with each further failure once it has expired
        clock.advance(Duration.ofMinutes(1));
        throttle.failed("ceo", "203.0.113.6", false);
        assertThat(throttle.check("ceo", "198.51.100.1", false).retryAfter()).isEqualTo(Duration.ofMinutes(2));
        // a new password from an admin ends it
        throttle.forgetAccount("CEO");
        assertThat(throttle.accountLocked("ceo")).isFalse();
    }

    @Test
    void theAttemptsOneAddressGetsOverTimeAreTheDocumentedOnes() {
        // docs/services/gateway.md, "Sign-in throttling": change both together
        assertThat(SignInThrottle.attemptsAllowed(SignInThrottle.Rules.DEFAULT, Duration.ofMinutes(1))).isEqualTo(16);
        assertThat(SignInThrottle.attemptsAllowed(SignInThrottle.Rules.DEFAULT, Duration.ofHours(1))).isEqualTo(25);
        assertThat(SignInThrottle.attemptsAllowed(SignInThrottle.Rules.DEFAULT, Duration.ofDays(1))).isEqualTo(163);
    }

    @Test
    void trackedKeysAreBounded() {
        SignInThrottle small = new SignInThrottle(new SignInThrottle.Rules(10, Duration.ofSeconds(1),
                Duration.ofMinutes(10), Duration.ofHours(1), 5, Duration.ofMinutes(5), 5, Duration.ofMinutes(1),
                Duration.ofMinutes(15), Duration.ofMinutes(15), 100), clock);
        for (int i = 0; i < 11; i++) {
            small.failed("recent" + i, "10.9.9.9", false);
        }
        for (int i = 0; i < 1000; i++) {
            small.failed("name" + i, "10.0." + (i / 250) + "." + (i % 250), false);
            small.check("probe", "10.9.9.9", false); // used: kept while the oldest are evicted
        }
        assertThat(small.tracked()).isLessThanOrEqualTo(300);
        assertThat(small.check("y", "10.9.9.9", false).allowed()).as("a count in use survives").isFalse();
    }
}
