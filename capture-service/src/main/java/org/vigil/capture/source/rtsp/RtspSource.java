package org.vigil.capture.source.rtsp;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.vigil.capture.source.Packet;
import org.vigil.capture.source.SourceException;
import org.vigil.capture.source.VideoSource;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.StreamParams;

/**
 * A camera's H.264 or H.265 stream read over RTSP with RTP interleaved on the TCP connection (design 0025), without
 * FFmpeg: a handshake (OPTIONS, DESCRIBE, SETUP, PLAY), then '$'-framed packets read a burst at a time and
 * depacketised into the same access units FFmpeg's demuxer gives (Annex B, 90 kHz time, key frames flagged), with the
 * same stream parameters (codec, size from the SPS, frame rate from the first pictures' times, parameter sets as
 * extradata). The session is kept alive with GET_PARAMETER (OPTIONS where the camera has none) at half its timeout.
 * A camera this reader cannot take (another codec, a URL it cannot parse, interleaved mode or DONL) is reported as
 * {@link Unsupported}, and the caller opens it with FFmpeg instead.
 */
public final class RtspSource implements VideoSource {

    /** The camera is reachable but sends something this reader does not take: read it with FFmpeg. */
    public static final class Unsupported extends Exception {
        Unsupported(String message) {
            super(message);
        }
    }

    private static final int PROBE_PICTURES = 6;

    private final String safeName;
    private final String codec;
    private final int timeoutMs;
    private final RtspConnection conn;
    private final Depacketizer depacketizer;
    private final int rtpChannel;
    private final int clockRate;
    private final ArrayDeque<Depacketizer.AccessUnit> probed = new ArrayDeque<>();
    private final String keepAliveMethod;
    private final String keepAliveUrl;
    private final long keepAliveNanos;
    private long lastKeepAlive;
    private StreamParams params;
    private long firstTime = Long.MIN_VALUE;
    private long lastExtended;
    private long lastRaw = -1;
    private boolean closed;
    private boolean failed;
    private boolean audio;

    private RtspSource(String safeName, RtspConnection conn, Depacketizer depacketizer, String codec, int rtpChannel,
            int clockRate, String keepAliveMethod, String keepAliveUrl, long keepAliveNanos, int timeoutMs) {
        this.safeName = safeName;
        this.codec = codec;
        this.timeoutMs = timeoutMs;
        this.conn = conn;
        this.depacketizer = depacketizer;
        this.rtpChannel = rtpChannel;
        this.clockRate = clockRate;
        this.keepAliveMethod = keepAliveMethod;
        this.keepAliveUrl = keepAliveUrl;
        this.keepAliveNanos = keepAliveNanos;
        this.lastKeepAlive = System.nanoTime();
    }

    /**
     * Opens the camera's stream and reads its first pictures (to learn the frame rate and, where the SDP did not give
     * them, the parameter sets); they are handed out first by {@link #read()}.
     *
     * @param camera    its URL may carry user info ({@code rtsp://user:password@host/…}, percent-encoded)
     * @param timeoutMs bound on connecting, on each answer, and on each read
     * @throws Unsupported when FFmpeg should read this camera instead
     */
    public static RtspSource open(CameraConfig camera, int timeoutMs) throws SourceException, Unsupported {
        String safe = camera.maskedUrl();
        URI uri;
        try {
            uri = new URI(camera.url().trim());
        } catch (URISyntaxException e) {
            throw new Unsupported("a URL this reader cannot parse");
        }
        if (!"rtsp".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new Unsupported("not a plain rtsp:// URL with a host");
        }
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String info = uri.getRawUserInfo();
            int colon = info.indexOf(':');
            user = URLDecoder.decode(colon < 0 ? info : info.substring(0, colon), StandardCharsets.UTF_8);
            password = colon < 0 ? "" : URLDecoder.decode(info.substring(colon + 1), StandardCharsets.UTF_8);
        }
        int port = uri.getPort() > 0 ? uri.getPort() : 554;
        String url = "rtsp://" + (uri.getHost().contains(":") && !uri.getHost().startsWith("[") ? "[" + uri.getHost()
                + "]" : uri.getHost()) + ":" + port + (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/"
                        : uri.getRawPath()) + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        RtspConnection conn;
        try {
            conn = RtspConnection.open(uri.getHost(), port, user, password, timeoutMs);
        } catch (IOException e) {
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT, SourceException.Cause.UNREACHABLE,
                    "cannot open " + safe + ": " + reason(e, timeoutMs));
        }
        RtspSource s;
        try {
            s = handshake(conn, url, safe, timeoutMs);
        } catch (SourceException | Unsupported e) {
            conn.close();
            throw e;
        } catch (IOException | RuntimeException e) {
            conn.close();
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT, e instanceof SocketTimeoutException
                    ? SourceException.Cause.UNREACHABLE : SourceException.Cause.OTHER,
                    "cannot open " + safe + ": " + reason(e, timeoutMs));
        }
        try {
            s.probe();
            return s;
        } catch (SourceException e) {
            s.failed = true;
            s.close();
            throw e;
        } catch (IOException | RuntimeException e) {
            s.failed = true;
            s.close();
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT, e instanceof IOException
                    ? SourceException.Cause.NO_PICTURE : SourceException.Cause.OTHER,
                    "cannot read the streams of " + safe + ": " + reason(e, timeoutMs));
        }
    }

    private static RtspSource handshake(RtspConnection conn, String url, String safe, int timeoutMs)
            throws IOException, SourceException, Unsupported {
        RtspConnection.Response options = conn.request("OPTIONS", url, Map.of());
        check(options, "OPTIONS", safe);
        String pub = String.valueOf(options.header("public")).toUpperCase(Locale.ROOT);
        RtspConnection.Response describe = conn.request("DESCRIBE", url, Map.of("Accept", "application/sdp"));
        check(describe, "DESCRIBE", safe);
        String base = describe.header("content-base");
        if (base == null) {
            base = describe.header("content-location");
        }
        if (base == null) {
            base = url;
        }
        String sdp = new String(describe.body(), StandardCharsets.UTF_8);
        Sdp.Video video = Sdp.video(sdp, base);
        if (video == null) {
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT, SourceException.Cause.NOT_VIDEO,
                    safe + " has no video stream");
        }
        boolean hevc = "H265".equals(video.codec());
        if (!hevc && !"H264".equals(video.codec())) {
            throw new Unsupported("codec " + video.codec());
        }
        String mode = video.format().getOrDefault("packetization-mode", "0");
        String don = video.format().getOrDefault("sprop-max-don-diff", "0");
        if ((!hevc && mode.equals("2")) || (hevc && !don.equals("0"))) {
            throw new Unsupported("interleaved packetisation");
        }
        if (video.clockRate() <= 0) {
            throw new Unsupported("no clock rate");
        }
        RtspConnection.Response setup = conn.request("SETUP", video.control(),
                Map.of("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1"));
        if (setup.status() == 461) {
            throw new Unsupported("the camera refuses RTP over its RTSP connection");
        }
        check(setup, "SETUP", safe);
        String sessionHeader = setup.header("session");
        if (sessionHeader == null) {
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT, "no session from " + safe);
        }
        String[] sessionParts = sessionHeader.split(";");
        String session = sessionParts[0].strip();
        int timeoutSec = 60;
        for (int i = 1; i < sessionParts.length; i++) {
            String p = sessionParts[i].strip().toLowerCase(Locale.ROOT);
            if (p.startsWith("timeout=")) {
                try {
                    timeoutSec = Math.max(5, Integer.parseInt(p.substring(8).strip()));
                } catch (NumberFormatException e) {
                    // keep 60 s, RFC 2326's default
                }
            }
        }
        int channel = 0;
        String transport = String.valueOf(setup.header("transport")).toLowerCase(Locale.ROOT);
        int il = transport.indexOf("interleaved=");
        if (il >= 0) {
            String range = transport.substring(il + 12).split("[;,]")[0];
            try {
                channel = Integer.parseInt(range.split("-")[0].strip());
            } catch (NumberFormatException e) {
                channel = 0;
            }
        }
        conn.session(session);
        String aggregate = Sdp.sessionControl(sdp, base);
        RtspConnection.Response play = conn.request("PLAY", aggregate, Map.of("Range", "npt=0.000-"));
        check(play, "PLAY", safe);
        Depacketizer d = new Depacketizer(hevc);
        for (byte[] set : video.parameterSets()) {
            d.announce(set);
        }
        String keepAlive = pub.contains("GET_PARAMETER") ? "GET_PARAMETER" : "OPTIONS";
        RtspSource s = new RtspSource(safe, conn, d, hevc ? "hevc" : "h264", channel, video.clockRate(), keepAlive,
                aggregate, timeoutSec * 500_000_000L, timeoutMs);
        s.audio = Sdp.hasAudio(sdp);
        return s;
    }

    private static void check(RtspConnection.Response r, String what, String safe) throws SourceException {
        int s = r.status();
        if (s >= 200 && s < 300) {
            return;
        }
        SourceException.Cause cause = switch (s) {
            case 401, 403 -> SourceException.Cause.UNAUTHORIZED;
            case 404 -> SourceException.Cause.NOT_FOUND;
            default -> SourceException.Cause.OTHER;
        };
        throw new SourceException(SourceException.Kind.CANNOT_CONNECT, cause, "cannot open " + safe + ": " + what
                + " answered " + s + " " + CameraConfig.maskCredentials(r.reason()));
    }

    /**
     * Reads pictures until the parameter sets are known and enough pictures have come to tell the frame rate: six, or
     * three once a second has passed (a camera sending a picture every few seconds is still opened within the timeout).
     */
    private void probe() throws IOException, SourceException {
        long start = System.nanoTime();
        long deadline = start + timeoutMs * 1_000_000L;
        List<Long> times = new java.util.ArrayList<>();
        while (depacketizer.parameterSets() == null || !(times.size() >= PROBE_PICTURES
                || (times.size() >= 3 && System.nanoTime() - start > 1_000_000_000L))) {
            Depacketizer.AccessUnit au;
            try {
                au = nextUnit(deadline);
            } catch (RtspConnection.Late e) {
                if (depacketizer.parameterSets() == null || probed.isEmpty()) {
                    throw new SourceException(SourceException.Kind.CANNOT_CONNECT, SourceException.Cause.NO_PICTURE,
                            "cannot read the streams of " + safeName + ": no picture within " + timeoutMs + " ms");
                }
                break; // a slow camera: the rate stays unknown
            }
            probed.add(au);
            if (times.isEmpty() || times.get(times.size() - 1) != au.rtpTime()) {
                times.add(au.rtpTime());
            }
        }
        byte[][] sets = depacketizer.parameterSets();
        PictureSize.Size size;
        try {
            size = "hevc".equals(codec) ? PictureSize.h265(sets[1]) : PictureSize.h264(sets[0]);
        } catch (IllegalArgumentException e) {
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT, SourceException.Cause.NOT_VIDEO,
                    safeName + " reports no picture size (" + e.getMessage() + ")");
        }
        int n = 0;
        for (byte[] set : sets) {
            n += 4 + set.length;
        }
        byte[] extradata = new byte[n];
        int at = 0;
        for (byte[] set : sets) {
            extradata[at + 3] = 1;
            System.arraycopy(set, 0, extradata, at + 4, set.length);
            at += 4 + set.length;
        }
        long[] rate = frameRate(times, clockRate);
        params = new StreamParams(codec, size.width(), size.height(), (int) rate[0], (int) rate[1], extradata);
    }

    /**
     * The nominal frame rate from the pictures' RTP times: the clock rate over the median step, reduced; {0, 1} when
     * the steps are implausible (over 240 frames a second or under one).
     */
    static long[] frameRate(List<Long> times, int clock) {
        if (times.size() < 3) {
            return new long[] {0, 1};
        }
        long[] steps = new long[times.size() - 1];
        for (int i = 1; i < times.size(); i++) {
            steps[i - 1] = (times.get(i) - times.get(i - 1)) & 0xFFFFFFFFL;
        }
        Arrays.sort(steps);
        long step = steps[steps.length / 2];
        if (step <= 0 || clock / (double) step > 240 || clock / (double) step < 1) {
            return new long[] {0, 1};
        }
        long g = gcd(clock, step);
        return new long[] {clock / g, step / g};
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    @Override
    public StreamParams params() {
        return params;
    }

    @Override
    public Packet read() throws SourceException {
        Depacketizer.AccessUnit au = probed.poll();
        if (au == null) {
            try {
                au = nextUnit(System.nanoTime() + timeoutMs * 1_000_000L);
            } catch (EOFException e) {
                failed = true;
                throw new SourceException(SourceException.Kind.NO_SIGNAL, "end of stream from " + safeName);
            } catch (IOException | RuntimeException e) {
                failed = true;
                throw new SourceException(SourceException.Kind.NO_SIGNAL, "reading " + safeName + " failed: "
                        + reason(e, timeoutMs));
            }
        }
        long t = extend(au.rtpTime());
        if (firstTime == Long.MIN_VALUE) {
            firstTime = t;
        }
        long pts = t - firstTime;
        return new Packet(au.data(), pts, pts, 1, clockRate, au.keyFrame());
    }

    /** RTP's 32-bit time, unwrapped. */
    private long extend(long raw) {
        if (lastRaw < 0) {
            lastExtended = raw;
        } else {
            lastExtended += (int) (raw - lastRaw);
        }
        lastRaw = raw;
        return lastExtended;
    }

    /** The next complete picture; a camera that sends no picture by {@code deadline} (System.nanoTime()) has timed out. */
    private Depacketizer.AccessUnit nextUnit(long deadline) throws IOException {
        conn.deadline(deadline);
        while (true) {
            Depacketizer.AccessUnit au = depacketizer.poll();
            if (au != null) {
                return au;
            }
            int channel = conn.readFrame();
            if (conn.sessionEnded()) {
                throw new IOException("the camera ended the session");
            }
            keepAlive();
            if (channel != rtpChannel) {
                continue; // RTCP and other channels
            }
            rtp(conn.frame(), conn.frameLength());
        }
    }

    private void rtp(byte[] p, int n) {
        if (n < 12 || (p[0] & 0xC0) != 0x80) {
            return;
        }
        int cc = p[0] & 0x0F;
        int off = 12 + 4 * cc;
        if ((p[0] & 0x10) != 0) { // header extension
            if (off + 4 > n) {
                return;
            }
            off += 4 + 4 * (((p[off + 2] & 0xFF) << 8) | (p[off + 3] & 0xFF));
        }
        int end = n;
        if ((p[0] & 0x20) != 0) { // padding
            end -= p[n - 1] & 0xFF;
        }
        if (off > end) {
            return;
        }
        boolean marker = (p[1] & 0x80) != 0;
        int seq = ((p[2] & 0xFF) << 8) | (p[3] & 0xFF);
        long time = ((p[4] & 0xFFL) << 24) | ((p[5] & 0xFF) << 16) | ((p[6] & 0xFF) << 8) | (p[7] & 0xFF);
        depacketizer.accept(p, off, end - off, seq, time, marker);
    }

    private void keepAlive() throws IOException {
        long now = System.nanoTime();
        if (now - lastKeepAlive >= keepAliveNanos) {
            lastKeepAlive = now;
            conn.send(keepAliveMethod, keepAliveUrl);
        }
    }

    @Override
    public boolean hasAudio() {
        return audio;
    }

    /** RTP packets the camera numbered but that never arrived (the stream went on without them). */
    public long lostPackets() {
        return depacketizer.lostPackets();
    }

    /** What went wrong, for the camera's status: never the camera's credentials, never a stack trace. */
    private static String reason(Exception e, int timeoutMs) {
        if (e instanceof SocketTimeoutException) {
            return "no answer within " + timeoutMs + " ms";
        }
        if (e instanceof UnknownHostException) {
            return "unknown host";
        }
        if (e instanceof ConnectException || e instanceof NoRouteToHostException) {
            return "connection refused or no route";
        }
        String message = CameraConfig.maskCredentials(String.valueOf(e.getMessage()));
        return e instanceof RuntimeException ? "the camera sent what the reader cannot take (" + message + ")" : message;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!failed) {
            try {
                conn.send("TEARDOWN", keepAliveUrl); // a few bytes to a camera that is still reading: never blocks
            } catch (IOException e) {
                // the connection is going anyway
            }
        }
        conn.close();
    }
}
