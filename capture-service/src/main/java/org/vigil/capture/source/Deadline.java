package org.vigil.capture.source;


import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOInterruptCB;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;

/**
 * A bound on FFmpeg's blocking calls that costs FFmpeg nothing to check.
 *
 * <p>FFmpeg asks its interrupt callback at every step of its I/O: for a camera over RTSP/TCP several times per RTP
 * packet, about 1,500 times a second for a 1080p stream. A Java callback made each of those a JNI upcall (attach,
 * an object allocated, a map lookup): 0.29 % of a core per camera at a 16-camera site, a third of the camera's
 * demuxing (design 0025). Here the callback is libc's {@code strlen} over a two-byte native flag: {@code ""} (0:
 * carry on) until one watchdog thread, shared by every source, writes {@code "x"} (1: abort) once the deadline has
 * passed. FFmpeg's check is then a C call reading a byte. {@code strlen} takes a pointer and returns its length in
 * the return register, which is exactly {@code int (*)(void *)} on the 64-bit ABIs Vigil runs on.
 *
 * <p>The {@link Watchdog} looks every {@value Watchdog#TICK_MS} ms, so a call is aborted at most that much after its
 * deadline (FFmpeg itself waits on sockets in 100 ms slices).
 */
final class Deadline implements AutoCloseable, Watchdog.Watched {

    /** libc's strlen, as a raw C function address. */
    private static final long STRLEN = strlen();
    private static final int CALLBACK_OFFSET = Loader.offsetof(AVIOInterruptCB.class, "callback");

    /** "" or "x": what FFmpeg's callback reads. Freed only after FFmpeg's context is closed. */
    private final BytePointer flag = new BytePointer(2).fill(0);
    private long due = Long.MAX_VALUE;
    private boolean closed;

    private static long strlen() {
        Pointer p = Loader.addressof("strlen");
        if (p == null || p.isNull()) {
            throw new IllegalStateException("libc's strlen was not found: FFmpeg's reads cannot be bounded");
        }
        return p.address();
    }

    Deadline() {
        Watchdog.watch(this);
    }

    /** Makes {@code fmt}'s blocking calls give up once this deadline has passed. */
    void bound(AVFormatContext fmt) {
        AVIOInterruptCB cb = fmt.interrupt_callback();
        // the field itself, not JavaCPP's setter: that one takes a Java callback (a thunk that calls back into Java)
        new BytePointer(cb).putLong(CALLBACK_OFFSET, STRLEN);
        cb.opaque(flag);
    }

    /** A new deadline, {@code nanos} from now; FFmpeg may carry on until then. */
    synchronized void arm(long nanos) {
        due = System.nanoTime() + nanos;
        flag.put(0, (byte) 0);
    }

    /** Whether the deadline has passed (why FFmpeg gave up). */
    synchronized boolean passed() {
        return System.nanoTime() > due;
    }

    /** Held against {@link #arm}: a deadline armed anew is never expired by a look at the one before. */
    @Override
    public synchronized void expireIfDue(long now) {
        if (!closed && now > due) {
            flag.put(0, (byte) 'x');
        }
    }

    /** After FFmpeg's context is closed (closing it may still call the callback). */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Watchdog.forget(this);
            flag.close();
        }
    }
}
