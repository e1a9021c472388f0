package org.vigil.capture.source.rtsp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.vigil.capture.source.Watchdog;

/**
 * One RTSP/1.0 connection (RFC 2326) with RTP interleaved on it: requests and their answers, Basic and Digest
 * authentication (RFC 7616, MD5 and SHA-256), and the '$'-framed RTP and RTCP packets that follow PLAY. Reads go
 * through one 64 KB buffer: a 1080p camera's packets arrive in bursts and are taken a burst at a time, not three
 * system calls per packet as FFmpeg's RTSP demuxer reads them (design 0025). Not thread-safe: one worker reads it.
 */
final class RtspConnection implements AutoCloseable, Watchdog.Watched {

    /** An RTSP answer. Header names are lower case. */
    record Response(int status, String reason, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> v = headers.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }

    private static final int MAX_HEADER_BYTES = 16 * 1024;
    private static final int MAX_BODY_BYTES = 256 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Socket socket;
    private InputStream in;
    private OutputStream out;
    private final String user;
    private final String password;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int lim;
    private final byte[] frame = new byte[65535];
    private int frameLength;
    private int cseq;
    private String session;
    private Challenge challenge;
    private int nonceCount;
    private boolean sessionEnded;
    private final long timeoutNanos;
    /** Read by the watchdog: the current deadline, whether a read is blocked, whether the watchdog ended it. */
    private volatile long deadline;
    private volatile boolean blocked;
    private volatile boolean expired;

    private RtspConnection(Socket socket, String user, String password, int timeoutMs) {
        this.socket = socket;
        this.user = user;
        this.password = password;
        this.timeoutNanos = timeoutMs * 1_000_000L;
    }

    /**
     * Connects within {@code timeoutMs}. The socket is a plain blocking one: no socket timeout (a timed read waits in
     * {@code poll} and then reads, three system calls where one does), the shared {@link Watchdog} closes it instead
     * when a read is still blocked past its deadline.
     */
    static RtspConnection open(String host, int port, String user, String password, int timeoutMs)
            throws IOException {
        RtspConnection c = new RtspConnection(new Socket(), user, password, timeoutMs);
        InetSocketAddress address = new InetSocketAddress(host, port);
        c.deadline = System.nanoTime() + c.timeoutNanos;
        Watchdog.watch(c);
        try {
            c.blocked = true;
            try {
                c.socket.connect(address);
            } finally {
                c.blocked = false;
            }
            c.socket.setTcpNoDelay(true);
            c.in = c.socket.getInputStream();
            c.out = c.socket.getOutputStream();
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            if (c.expired) {
                throw new SocketTimeoutException("no answer in time");
            }
            throw e;
        }
    }

    @Override
    public void expireIfDue(long now) {
        if (blocked && now - deadline > 0) {
            expired = true;
            close();
        }
    }

    /**
     * No packet is started after {@code nanoTime}: {@link #readFrame()} then throws {@link Late}, between packets, so
     * the connection can still be read. A read still blocked past it is ended by the watchdog, which closes the
     * connection; so is one that starts past it (a camera trickling bytes that never make a packet).
     */
    void deadline(long nanoTime) {
        this.deadline = nanoTime;
    }

    /** A deadline a timeout from now. */
    void deadlineInATimeout() {
        this.deadline = System.nanoTime() + timeoutNanos;
    }

    /** No packet began before the deadline; the connection is still in step and can be read on. */
    static final class Late extends SocketTimeoutException {
        Late() {
            super("no packet before the deadline");
        }
    }

    void session(String session) {
        this.session = session;
    }

    /**
     * Sends a request and waits for its answer, answering one authentication challenge on the way. Interleaved packets
     * that arrive first are dropped (none should, before PLAY is answered).
     */
    Response request(String method, String url, Map<String, String> headers) throws IOException {
        Response r = exchange(method, url, headers);
        if (r.status() == 401 && user != null && challenge == null) {
            challenge = Challenge.pick(r.headers().getOrDefault("www-authenticate", List.of()));
            if (challenge != null) {
                r = exchange(method, url, headers);
            }
        }
        return r;
    }

    /** Sends a request without waiting: its answer is read among the packets (keep-alives while streaming). */
    void send(String method, String url) throws IOException {
        write(method, url, Map.of());
    }

    private Response exchange(String method, String url, Map<String, String> headers) throws IOException {
        deadlineInATimeout();
        int sent = write(method, url, headers);
        while (true) {
            int c = peek();
            if (c == '$') {
                readFrame();
                continue;
            }
            Response r = readResponse();
            String seq = r.header("cseq");
            if (seq == null || seq.strip().equals(Integer.toString(sent))) {
                return r;
            }
        }
    }

    private int write(String method, String url, Map<String, String> headers) throws IOException {
        int seq = ++cseq;
        StringBuilder sb = new StringBuilder(256);
        sb.append(method).append(' ').append(url).append(" RTSP/1.0\r\n");
        sb.append("CSeq: ").append(seq).append("\r\n");
        sb.append("User-Agent: Vigil\r\n");
        if (session != null) {
            sb.append("Session: ").append(session).append("\r\n");
        }
        if (challenge != null) {
            sb.append("Authorization: ").append(challenge.authorization(method, url, user, password, ++nonceCount))
                    .append("\r\n");
        }
        headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
        sb.append("\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        return seq;
    }

    /**
     * Reads the next interleaved packet into {@link #frame()}. An RTSP answer met on the way (to a keep-alive) is read
     * and dropped, keeping only whether it said the session is gone ({@link #sessionEnded()}).
     *
     * @return its channel
     */
    int readFrame() throws IOException {
        while (true) {
            if (System.nanoTime() - deadline > 0) {
                throw new Late();
            }
            int c = read();
            if (c == '$') {
                int channel = read();
                int length = (read() << 8) | read();
                readFully(frame, length);
                frameLength = length;
                return channel;
            }
            if (c == 'R') {
                pos--; // the start of "RTSP/1.0 …": an answer to a keep-alive
                sessionEnded |= readResponse().status() == 454;
                continue;
            }
            throw new IOException("the camera sent bytes that are neither RTP nor RTSP (0x"
                    + Integer.toHexString(c) + ")");
        }
    }

    byte[] frame() {
        return frame;
    }

    int frameLength() {
        return frameLength;
    }

    /** Whether an answer among the packets said 454 Session Not Found: the camera has ended the session. */
    boolean sessionEnded() {
        return sessionEnded;
    }

    private Response readResponse() throws IOException {
        String status = readLine();
        if (!status.startsWith("RTSP/")) {
            throw new IOException("not an RTSP answer: " + printable(status));
        }
        String[] parts = status.split(" ", 3);
        int code;
        try {
            code = Integer.parseInt(parts.length > 1 ? parts[1] : "");
        } catch (NumberFormatException e) {
            throw new IOException("not an RTSP status: " + printable(status));
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        int total = status.length();
        while (true) {
            String line = readLine();
            if (line.isEmpty()) {
                break;
            }
            total += line.length();
            if (total > MAX_HEADER_BYTES) {
                throw new IOException("the camera's RTSP headers exceed " + MAX_HEADER_BYTES + " bytes");
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.computeIfAbsent(line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                        k -> new ArrayList<>(1)).add(line.substring(colon + 1).strip());
            }
        }
        byte[] body = new byte[0];
        List<String> lengths = headers.get("content-length");
        if (lengths != null) {
            int n;
            try {
                n = Integer.parseInt(lengths.get(0).strip());
            } catch (NumberFormatException e) {
                throw new IOException("bad Content-Length in the camera's answer");
            }
            if (n < 0 || n > MAX_BODY_BYTES) {
                throw new IOException("the camera's answer is " + n + " bytes, more than " + MAX_BODY_BYTES);
            }
            body = new byte[n];
            readFully(body, n);
        }
        return new Response(code, parts.length > 2 ? parts[2] : "", headers, body);
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            int c = read();
            if (c == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            if (sb.length() >= MAX_HEADER_BYTES) {
                throw new IOException("an RTSP line longer than " + MAX_HEADER_BYTES + " bytes");
            }
            sb.append((char) c);
        }
    }

    private int peek() throws IOException {
        int c = read();
        pos--;
        return c;
    }

    private int read() throws IOException {
        if (pos == lim) {
            fill();
        }
        return buf[pos++] & 0xFF;
    }

    private void readFully(byte[] into, int n) throws IOException {
        int done = 0;
        while (done < n) {
            if (pos == lim) {
                fill();
            }
            int k = Math.min(n - done, lim - pos);
            System.arraycopy(buf, pos, into, done, k);
            pos += k;
            done += k;
        }
    }

    private void fill() throws IOException {
        int n;
        blocked = true;
        try {
            if (System.nanoTime() - deadline > 0) {
                expired = true; // bytes trickling in, never a whole packet: the watchdog may miss the short waits
                close();
            }
            n = in.read(buf, 0, buf.length);
        } catch (IOException e) {
            if (expired) {
                throw new SocketTimeoutException("no answer in time");
            }
            throw e;
        } finally {
            blocked = false;
        }
        if (n < 0) {
            throw new java.io.EOFException("the camera closed the connection");
        }
        pos = 0;
        lim = n;
    }

    private static String printable(String s) {
        String t = s.length() > 80 ? s.substring(0, 80) : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }

    @Override
    public void close() {
        Watchdog.forget(this);
        try {
            socket.close();
        } catch (IOException e) {
            // closing
        }
    }

    /** The authentication the camera asked for; Digest is preferred to Basic, which sends the password as is. */
    record Challenge(String scheme, Map<String, String> params) {

        static Challenge pick(List<String> offers) {
            Challenge basic = null;
            Challenge digest = null;
            for (String offer : offers) {
                String o = offer.strip();
                int sp = o.indexOf(' ');
                String scheme = (sp < 0 ? o : o.substring(0, sp)).toLowerCase(Locale.ROOT);
                Map<String, String> params = params(sp < 0 ? "" : o.substring(sp + 1));
                if (scheme.equals("digest")) {
                    String alg = params.getOrDefault("algorithm", "MD5").toUpperCase(Locale.ROOT);
                    boolean known = alg.equals("MD5") || alg.equals("SHA-256");
                    if (known && (digest == null || alg.equals("SHA-256"))) {
                        digest = new Challenge("digest", params);
                    }
                } else if (scheme.equals("basic")) {
                    basic = new Challenge("basic", params);
                }
            }
            return digest != null ? digest : basic;
        }

        String authorization(String method, String uri, String user, String password, int nc) {
            String pw = password == null ? "" : password;
            if (scheme.equals("basic")) {
                return "Basic " + Base64.getEncoder().encodeToString((user + ":" + pw)
                        .getBytes(StandardCharsets.UTF_8));
            }
            String alg = params.getOrDefault("algorithm", "MD5").toUpperCase(Locale.ROOT);
            String realm = params.getOrDefault("realm", "");
            String nonce = params.getOrDefault("nonce", "");
            String ha1 = hash(alg, user + ":" + realm + ":" + pw);
            String ha2 = hash(alg, method + ":" + uri);
            boolean qop = params.containsKey("qop") && List.of(params.get("qop").split(",")).stream()
                    .map(String::strip).anyMatch("auth"::equals);
            StringBuilder sb = new StringBuilder("Digest username=\"").append(user).append("\", realm=\"")
                    .append(realm).append("\", nonce=\"").append(nonce).append("\", uri=\"").append(uri)
                    .append('"');
            if (qop) {
                String ncHex = String.format(Locale.ROOT, "%08x", nc);
                byte[] c = new byte[8];
                RANDOM.nextBytes(c);
                String cnonce = HexFormat.of().formatHex(c);
                sb.append(", qop=auth, nc=").append(ncHex).append(", cnonce=\"").append(cnonce).append('"');
                sb.append(", response=\"").append(hash(alg, ha1 + ":" + nonce + ":" + ncHex + ":" + cnonce
                        + ":auth:" + ha2)).append('"');
            } else {
                sb.append(", response=\"").append(hash(alg, ha1 + ":" + nonce + ":" + ha2)).append('"');
            }
            if (params.containsKey("opaque")) {
                sb.append(", opaque=\"").append(params.get("opaque")).append('"');
            }
            if (params.containsKey("algorithm")) {
                sb.append(", algorithm=").append(params.get("algorithm"));
            }
            return sb.toString();
        }

        private static String hash(String alg, String s) {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance(alg.equals("SHA-256") ? "SHA-256" : "MD5")
                        .digest(s.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        /** {@code a="b", c=d} as a map, keys lower case, quotes removed. */
        static Map<String, String> params(String s) {
            Map<String, String> m = new LinkedHashMap<>();
            int i = 0;
            int n = s.length();
            while (i < n) {
                while (i < n && (s.charAt(i) == ',' || Character.isWhitespace(s.charAt(i)))) {
                    i++;
                }
                int eq = s.indexOf('=', i);
                if (eq < 0) {
                    break;
                }
                String key = s.substring(i, eq).strip().toLowerCase(Locale.ROOT);
                i = eq + 1;
                String value;
                if (i < n && s.charAt(i) == '"') {
                    int end = s.indexOf('"', i + 1);
                    end = end < 0 ? n : end;
                    value = s.substring(i + 1, end);
                    i = end + 1;
                } else {
                    int end = s.indexOf(',', i);
                    end = end < 0 ? n : end;
                    value = s.substring(i, end).strip();
                    i = end;
                }
                m.put(key, value);
            }
            return m;
        }
    }
}
