package org.vigil.gateway.security;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.vigil.gateway.config.GatewayConfig;

/**
 * Where passwords are hashed: a fixed number of threads sized from the memory budget (each Argon2id computation holds
 * {@link PasswordHasher#MEMORY_BYTES} of heap), and a wait list as long as the pool. A job beyond both is refused at
 * once with {@link Busy}: the caller answers 503 with Retry-After. Nothing waits in an unbounded queue, so a flood of
 * sign-ins costs at most {@code threads} hashes of memory and a bounded list of waiting requests.
 */
@ApplicationScoped
public class HashingPool {

    private static final Logger LOG = Logger.getLogger(HashingPool.class);

    /** No room for another password check now. */
    public static final class Busy extends RuntimeException {
        Busy() {
            super("too many sign-ins at once", null, false, false);
        }
    }

    private final int threads;
    private final Semaphore slots;
    /** Places only browsers with the account's device cookie may take: its owner signs in during a flood too. */
    private final Semaphore reserved;
    private final ExecutorService executor;
    private final Counter refused;

    public HashingPool(GatewayConfig config, MeterRegistry metrics) {
        this.threads = size(config.signIn().hashMemoryShare(), config.signIn().hashThreads().orElse(0),
                Runtime.getRuntime().maxMemory(), Runtime.getRuntime().availableProcessors());
        this.slots = new Semaphore(threads * 2);
        this.reserved = new Semaphore(threads);
        AtomicInteger n = new AtomicInteger();
        // the queue never holds more than 2 x threads jobs: the semaphores admit at most 3 x threads in all
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "password-hash-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.refused = metrics.counter("vigil_gateway_signin_refused_total", "reason", "busy");
        Gauge.builder("vigil_gateway_password_hash_slots_free", slots, Semaphore::availablePermits)
                .description("password checks that could start or wait now").strongReference(true).register(metrics);
        LOG.infof("password hashing: %d threads, %d more may wait, %d more for known browsers (heap %d MiB, %d "
                + "processors)", threads, threads, threads, Runtime.getRuntime().maxMemory() >> 20,
                Runtime.getRuntime().availableProcessors());
    }

    /**
     * Threads: the share of the heap given to hashing divided by one hash's memory, and at most half the processors
     * (hashing is pure CPU: a flood of sign-ins must leave the rest of the machine to the signed-in and to recording);
     * at least 1. {@code configured} > 0 wins.
     */
    static int size(double heapShare, int configured, long maxHeap, int processors) {
        if (configured > 0) {
            return configured;
        }
        long byMemory = (long) (maxHeap * heapShare) / PasswordHasher.MEMORY_BYTES;
        return (int) Math.max(1, Math.min(processors / 2, byMemory));
    }

    public int threads() {
        return threads;
    }

    /**
     * Takes a place in the pool (or fails at once with {@link Busy} when the pool and its wait list are full; a
     * {@code knownBrowser}, one with the account's device cookie, may also take one of the places kept for it), then
     * runs {@code first} (e.g. the account lookup, so a refused request costs no database query either) and
     * {@code job} on one of the pool's threads. The place is given back however it ends.
     */
    public <A, T> Uni<T> submit(Uni<A> first, java.util.function.Function<A, T> job, boolean knownBrowser) {
        Semaphore taken = slots.tryAcquire() ? slots : knownBrowser && reserved.tryAcquire() ? reserved : null;
        if (taken == null) {
            refused.increment();
            return Uni.createFrom().failure(new Busy());
        }
        java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                taken.release();
            }
        };
        // back on the caller's Vert.x context afterwards: its request id, trace and logging context go on from there
        io.vertx.core.Context caller = io.vertx.core.Vertx.currentContext();
        Uni<T> hashed = first.emitOn(executor).map(job).onTermination().invoke(release);
        return caller == null ? hashed : hashed.emitOn(command -> caller.runOnContext(v -> command.run()));
    }

    /** Runs {@code job} in the pool from a worker thread, waiting up to 10 s for room; {@link Busy} after that. */
    public <T> T run(Supplier<T> job) {
        try {
            if (!slots.tryAcquire(10, TimeUnit.SECONDS)) {
                refused.increment();
                throw new Busy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Busy();
        }
        try {
            return executor.submit(job::get).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Busy();
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            slots.release();
        }
    }

    void stop(@Observes ShutdownEvent e) {
        executor.shutdownNow();
    }
}
