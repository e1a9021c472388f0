package org.vigil.gateway.security;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Who may try a password now. Three counts of failed sign-ins, all kept the same way whether the account exists or
 * not (an unknown name is throttled exactly like a real one, so a 429 tells nothing):
 * <ul>
 * <li><b>per client address</b> (any account): {@link Rules#addressFree} failures are free; each further failure
 * blocks the address for a delay that doubles from {@link Rules#addressFirstDelay} up to {@link Rules#addressMaxDelay}.
 * The count is forgotten after {@link Rules#addressForget} without a failure. A success does not reset it (an
 * attacker with one valid account could otherwise wipe it between guesses). This is what bounds a single attacker:
 * see {@link #attemptsAllowed}.</li>
 * <li><b>per account and address</b>: after {@link Rules#pairLimit} failures in a row, that account is locked
 * <em>for that address</em> for {@link Rules#pairLock}; once the lock has expired the count starts again from zero.
 * Someone hammering {@code admin} from one address therefore never keeps the real admin out from another.</li>
 * <li><b>per account across addresses</b>: when failures on one account come from {@link Rules#accountAddresses}
 * distinct addresses within {@link Rules#accountForget} (a distributed attack), the account is locked for clients
 * that have no device cookie for it, for a delay that doubles with each further failure from
 * {@link Rules#accountFirstDelay} to {@link Rules#accountMaxDelay}. A browser where the account signed in before
 * (its device cookie) is exempt, so the owner can still sign in during the attack.</li>
 * </ul>
 * A blocked attempt is answered at once: no password is hashed, nothing is read from the database and nothing is
 * counted. State lives in this gateway's memory, bounded by least-recently-used eviction; with several gateways each
 * counts what reaches it.
 */
public final class SignInThrottle {

    /** The policy. {@link #DEFAULT} is documented in docs/services/gateway.md. */
    public record Rules(int addressFree, Duration addressFirstDelay, Duration addressMaxDelay, Duration addressForget,
            int pairLimit, Duration pairLock, int accountAddresses, Duration accountFirstDelay,
            Duration accountMaxDelay, Duration accountForget, int maxTracked) {

        public static final Rules DEFAULT = new Rules(10, Duration.ofSeconds(1), Duration.ofMinutes(10),
                Duration.ofHours(1), 5, Duration.ofMinutes(5), 5, Duration.ofMinutes(1), Duration.ofMinutes(15),
                Duration.ofMinutes(15), 20_000);

        /** The defaults with the per-account lock of the configuration (its limit and length). */
        public Rules withPairLock(int limit, Duration lock) {
            return new Rules(addressFree, addressFirstDelay, addressMaxDelay, addressForget, limit, lock,
                    accountAddresses, accountFirstDelay, accountMaxDelay, accountForget, maxTracked);
        }
    }

    /** Whether an attempt may go ahead; when not, for how long and which count stopped it. */
    public record Verdict(boolean allowed, Duration retryAfter, String reason) {
        static final Verdict ALLOWED = new Verdict(true, Duration.ZERO, null);
    }

    /** A lock that a failure has just started (logged once per lock, never per attempt). */
    public record Lock(String scope, Instant until) {
    }

    private static final class Series {
        int failures;
        Instant last;
        Instant blockedUntil;
        Set<String> addresses;
    }

    private final Rules rules;
    private final InstantSource clock;
    private final Map<String, Series> byAddress;
    private final Map<String, Series> byPair;
    private final Map<String, Series> byAccount;

    public SignInThrottle(Rules rules, InstantSource clock) {
        this.rules = rules;
        this.clock = clock;
        this.byAddress = lru(rules.maxTracked());
        this.byPair = lru(rules.maxTracked());
        this.byAccount = lru(rules.maxTracked());
    }

    private static Map<String, Series> lru(int max) {
        return new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Series> eldest) {
                return size() > max;
            }
        };
    }

    /** May {@code address} try a password for {@code account} now? */
    public synchronized Verdict check(String account, String address, boolean trustedDevice) {
        Instant now = clock.instant();
        Verdict v = blocked(byAddress.get(address), now, "address");
        if (!v.allowed()) {
            return v;
        }
        v = blocked(byPair.get(pair(account, address)), now, "account");
        if (!v.allowed() || trustedDevice) {
            return v;
        }
        return blocked(byAccount.get(key(account)), now, "account");
    }

    private static Verdict blocked(Series s, Instant now, String reason) {
        if (s == null || s.blockedUntil == null || !now.isBefore(s.blockedUntil)) {
            return Verdict.ALLOWED;
        }
        return new Verdict(false, Duration.between(now, s.blockedUntil), reason);
    }

    /**
     * Counts a failed attempt that was allowed to try.
     *
     * @return the lock this failure started, if any
     */
    public synchronized Optional<Lock> failed(String account, String address, boolean trustedDevice) {
        Instant now = clock.instant();
        Lock started = null;

        Series a = fresh(byAddress, address, now, rules.addressForget(), false);
        a.failures++;
        a.last = now;
        if (a.failures > rules.addressFree()) {
            a.blockedUntil = now.plus(doubling(rules.addressFirstDelay(), rules.addressMaxDelay(),
                    a.failures - rules.addressFree()));
            if (a.failures == rules.addressFree() + 1) {
                started = new Lock("address " + address, a.blockedUntil);
            }
        }

        Series p = fresh(byPair, pair(account, address), now, rules.pairLock(), true);
        p.failures++;
        p.last = now;
        if (p.failures >= rules.pairLimit()) {
            p.blockedUntil = now.plus(rules.pairLock());
            started = new Lock("account from " + address, p.blockedUntil);
        }

        if (!trustedDevice) {
            Series acc = fresh(byAccount, key(account), now, rules.accountForget(), false);
            if (acc.addresses == null) {
                acc.addresses = new HashSet<>();
            }
            if (acc.addresses.size() < 64) {
                acc.addresses.add(address);
            }
            acc.last = now;
            if (acc.addresses.size() >= rules.accountAddresses()) {
                acc.failures++;
                acc.blockedUntil = now.plus(doubling(rules.accountFirstDelay(), rules.accountMaxDelay(),
                        acc.failures));
                if (acc.failures == 1) {
                    started = new Lock("account from " + acc.addresses.size() + " addresses", acc.blockedUntil);
                }
            }
        }
        return Optional.ofNullable(started);
    }

    /**
     * A correct password: the account's count for this address starts from zero. The address's own count stays
     * (see the class comment), and so does a distributed attack's lock on the account.
     */
    public synchronized void succeeded(String account, String address) {
        byPair.remove(pair(account, address));
    }

    /** An admin set a new password: every lock on the account ends. */
    public synchronized void forgetAccount(String account) {
        String prefix = key(account) + "\u0000";
        byPair.keySet().removeIf(k -> k.startsWith(prefix));
        byAccount.remove(key(account));
    }

    /** How many counts are held (for the test of the bound). */
    synchronized int tracked() {
        return byAddress.size() + byPair.size() + byAccount.size();
    }

    /** Whether the account is locked for clients without a device cookie now (the users page shows it). */
    public synchronized boolean accountLocked(String account) {
        return !blocked(byAccount.get(key(account)), clock.instant(), "account").allowed();
    }

    /**
     * The series of a key, new when there is none or the old one is forgotten: {@code forget} after its last failure,
     * or (with {@code fromLockEnd}) once its lock has expired.
     */
    private static Series fresh(Map<String, Series> map, String key, Instant now, Duration forget,
            boolean fromLockEnd) {
        Series s = map.get(key);
        boolean stale = s != null && (fromLockEnd
                ? s.blockedUntil != null && !now.isBefore(s.blockedUntil)
                : !now.isBefore(s.last.plus(forget)));
        if (s == null || stale) {
            s = new Series();
            map.put(key, s);
        }
        return s;
    }

    static Duration doubling(Duration first, Duration max, int step) {
        Duration d = first;
        for (int i = 1; i < step && d.compareTo(max) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(max) > 0 ? max : d;
    }

    /** Account names compare case-insensitively here, so {@code Admin} and {@code admin} share their counts. */
    private static String key(String account) {
        return account.toLowerCase(java.util.Locale.ROOT);
    }

    private static String pair(String account, String address) {
        return key(account) + "\u0000" + address;
    }

    /**
     * How many passwords one address can try in {@code period} when it tries as fast as it is allowed, cycling through
     * made-up account names (so only the address count stops it). The documentation's figures come from here, and a
     * test pins them.
     */
    public static int attemptsAllowed(Rules rules, Duration period) {
        MutableClock clock = new MutableClock(Instant.EPOCH);
        SignInThrottle t = new SignInThrottle(rules, clock);
        int attempts = 0;
        Instant end = Instant.EPOCH.plus(period);
        while (clock.now.isBefore(end)) {
            Verdict v = t.check("user" + attempts, "192.0.2.1", false);
            if (v.allowed()) {
                t.failed("user" + attempts, "192.0.2.1", false);
                attempts++;
            } else {
                clock.now = clock.now.plus(v.retryAfter());
            }
        }
        return attempts;
    }

    private static final class MutableClock implements InstantSource {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
