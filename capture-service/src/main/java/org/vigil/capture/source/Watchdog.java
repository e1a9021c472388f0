package org.vigil.capture.source;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One thread, shared by every open camera source, that ends blocking reads past their deadline: it asks each
 * registered source every {@value #TICK_MS} ms to give up if its deadline has passed. FFmpeg's sources raise a flag its
 * interrupt callback reads ({@link Deadline}); Vigil's RTSP reader closes the socket its read is blocked on. A read
 * then costs nothing to bound: no timed wait, no callback. The thread sleeps while no source is open.
 */
public final class Watchdog {

    /** How often the watchdog looks: a read is ended at most this long after its deadline. */
    public static final int TICK_MS = 50;

    /** A source with a deadline. */
    public interface Watched {
        /** Gives up the blocked call if its deadline is before {@code now} (System.nanoTime()). */
        void expireIfDue(long now);
    }

    private static final Set<Watched> OPEN = ConcurrentHashMap.newKeySet();
    private static final Object WAKE = new Object();
    private static Thread thread;

    private Watchdog() {
    }

    public static void watch(Watched w) {
        OPEN.add(w);
        synchronized (WAKE) {
            if (thread == null) {
                thread = new Thread(Watchdog::run, "source-deadlines");
                thread.setDaemon(true);
                thread.start();
            }
            WAKE.notifyAll();
        }
    }

    public static void forget(Watched w) {
        OPEN.remove(w);
    }

    private static void run() {
        while (true) {
            try {
                synchronized (WAKE) {
                    while (OPEN.isEmpty()) {
                        WAKE.wait();
                    }
                }
                long now = System.nanoTime();
                for (Watched w : OPEN) {
                    w.expireIfDue(now);
                }
                Thread.sleep(TICK_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
