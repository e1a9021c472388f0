package org.vigil.devstack.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A TCP relay that holds every chunk for a fixed time in each direction, in order: the latency of a WAN link, for
 * kernels without {@code netem} (design 0017, "How the WAN is tested here"). TCP on both sides sees the delay as a real
 * link's (its windows fill, its acknowledgements come late). A connection whose other end is unreachable, or that
 * breaks (the link cut), is closed on both sides, as a router's reset would.
 */
public final class DelayRelay implements AutoCloseable {

    private static final byte[] EOF = new byte[0];

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final long delayNanos;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean open = true;

    private DelayRelay(ServerSocket server, InetSocketAddress target, Duration oneWay) {
        this.server = server;
        this.target = target;
        this.delayNanos = oneWay.toNanos();
    }

    /** Listens on {@code 127.0.0.1} (a free port) and relays each connection to {@code target}, {@code oneWay} late. */
    public static DelayRelay start(InetSocketAddress target, Duration oneWay) throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress("127.0.0.1", 0));
        DelayRelay relay = new DelayRelay(s, target, oneWay);
        daemon("relay-accept-" + s.getLocalPort(), relay::accept);
        return relay;
    }

    public int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (open) {
            try {
                Socket client = server.accept();
                daemon("relay-connect", () -> connect(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void connect(Socket client) {
        Socket upstream = new Socket();
        sockets.add(client);
        sockets.add(upstream);
        try {
            upstream.connect(target, 5000);
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            pipe(client, upstream);
            pipe(upstream, client);
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    /** Copies {@code from} to {@code to}, each chunk written {@link #delayNanos} after it was read. */
    private void pipe(Socket from, Socket to) throws IOException {
        LinkedBlockingQueue<Object[]> queue = new LinkedBlockingQueue<>();
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        daemon("relay-read", () -> {
            byte[] buf = new byte[16 * 1024];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    queue.add(new Object[] {System.nanoTime() + delayNanos, Arrays.copyOf(buf, n)});
                }
            } catch (IOException e) {
                // reset or closed: the writer ends the other side once what was read is out
            }
            queue.add(new Object[] {System.nanoTime() + delayNanos, EOF});
        });
        daemon("relay-write", () -> {
            try {
                while (true) {
                    Object[] chunk = queue.take();
                    long wait = (long) chunk[0] - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait); // the emulated link's latency, not a test's wait
                    }
                    byte[] b = (byte[]) chunk[1];
                    if (b == EOF) {
                        break;
                    }
                    out.write(b);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the other side is gone
            }
            closeQuietly(from);
            closeQuietly(to);
            sockets.remove(from);
            sockets.remove(to);
        });
    }

    @Override
    public void close() {
        open = false;
        closeQuietly(server);
        sockets.forEach(DelayRelay::closeQuietly);
    }

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
