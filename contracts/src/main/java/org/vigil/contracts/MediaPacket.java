package org.vigil.contracts;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * One compressed video packet on {@link Topics#MEDIA}. The Kafka value is the packet's bytes exactly as the camera
 * sent them; everything else travels in headers (ASCII decimal text, except {@code vigil.extradata}) so that
 * Kafka's own tools can show them.
 *
 * @param cameraId   the record key
 * @param session    id of one continuous connection to the camera; changes on every reconnect
 * @param seq        packet number within the session, from 0, without gaps: consumers drop what they have seen
 * @param pts        presentation time in {@code timeBase} units, {@link #NO_TIME} when the stream gave none
 * @param dts        decode time in {@code timeBase} units, {@link #NO_TIME} when the stream gave none
 * @param timeBaseNum time base numerator (e.g. 1)
 * @param timeBaseDen time base denominator (e.g. 90000)
 * @param keyFrame   true for a key frame: a decoder can start here
 * @param wallMicros wall-clock receive time on the capture host, microseconds since the epoch
 * @param codec      FFmpeg codec name
 * @param params     stream parameters; always present on key frames, {@code null} otherwise
 * @param data       the packet bytes
 */
public record MediaPacket(
        String cameraId,
        String session,
        long seq,
        long pts,
        long dts,
        int timeBaseNum,
        int timeBaseDen,
        boolean keyFrame,
        long wallMicros,
        String codec,
        StreamParams params,
        byte[] data) {

    public static final int VERSION = 1;
    /** Marks a missing pts or dts (FFmpeg's AV_NOPTS_VALUE). */
    public static final long NO_TIME = Long.MIN_VALUE;

    public static final String H_VERSION = "vigil.v";
    public static final String H_SESSION = "vigil.session";
    public static final String H_SEQ = "vigil.seq";
    public static final String H_PTS = "vigil.pts";
    public static final String H_DTS = "vigil.dts";
    public static final String H_TIME_BASE = "vigil.tb";
    public static final String H_KEY = "vigil.key";
    public static final String H_WALL = "vigil.wall";
    public static final String H_CODEC = "vigil.codec";
    public static final String H_WIDTH = "vigil.width";
    public static final String H_HEIGHT = "vigil.height";
    public static final String H_FRAME_RATE = "vigil.fps";
    public static final String H_EXTRADATA = "vigil.extradata";

    public MediaPacket {
        Objects.requireNonNull(cameraId, "cameraId");
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(data, "data");
        if (timeBaseNum <= 0 || timeBaseDen <= 0) {
            throw new IllegalArgumentException("time base must be positive, got " + timeBaseNum + "/" + timeBaseDen);
        }
        if (keyFrame && params == null) {
            throw new IllegalArgumentException("a key frame must carry stream parameters");
        }
    }

    /** The wall-clock receive time as an {@link java.time.Instant}. */
    public java.time.Instant wallTime() {
        return java.time.Instant.EPOCH.plus(wallMicros, java.time.temporal.ChronoUnit.MICROS);
    }

    /** Writes every field except {@code cameraId} (the key) and {@code data} (the value) as headers. */
    public void writeHeaders(Headers h) {
        put(h, H_VERSION, Integer.toString(VERSION));
        put(h, H_SESSION, session);
        put(h, H_SEQ, Long.toString(seq));
        if (pts != NO_TIME) {
            put(h, H_PTS, Long.toString(pts));
        }
        if (dts != NO_TIME) {
            put(h, H_DTS, Long.toString(dts));
        }
        put(h, H_TIME_BASE, timeBaseNum + "/" + timeBaseDen);
        put(h, H_KEY, keyFrame ? "1" : "0");
        put(h, H_WALL, Long.toString(wallMicros));
        put(h, H_CODEC, codec);
        if (params != null) {
            put(h, H_WIDTH, Integer.toString(params.width()));
            put(h, H_HEIGHT, Integer.toString(params.height()));
            if (params.frameRateNum() > 0) {
                put(h, H_FRAME_RATE, params.frameRateNum() + "/" + params.frameRateDen());
            }
            if (params.extradata().length > 0) {
                h.add(H_EXTRADATA, params.extradata());
            }
        }
    }

    /**
     * Reads a packet from a Kafka record.
     *
     * @throws MalformedMessageException naming the missing or unreadable header
     */
    public static MediaPacket read(String key, Headers h, byte[] value) {
        if (key == null || key.isEmpty()) {
            throw new MalformedMessageException("media packet without a camera id key");
        }
        if (value == null) {
            throw new MalformedMessageException("media packet without bytes");
        }
        String version = text(h, H_VERSION, true);
        if (!Integer.toString(VERSION).equals(version)) {
            throw new MalformedMessageException("unsupported media packet version " + version);
        }
        int[] tb = ratio(text(h, H_TIME_BASE, true), H_TIME_BASE);
        boolean key1 = "1".equals(text(h, H_KEY, true));
        String codec = text(h, H_CODEC, true);
        StreamParams params = null;
        String width = text(h, H_WIDTH, false);
        if (width != null) {
            String fps = text(h, H_FRAME_RATE, false);
            int[] rate = fps == null ? new int[] {0, 1} : ratio(fps, H_FRAME_RATE);
            Header extra = h.lastHeader(H_EXTRADATA);
            params = new StreamParams(codec, integer(width, H_WIDTH), integer(text(h, H_HEIGHT, true), H_HEIGHT),
                    rate[0], rate[1], extra == null ? null : extra.value());
        }
        if (key1 && params == null) {
            throw new MalformedMessageException("key frame without stream parameters (" + H_WIDTH + ")");
        }
        String pts = text(h, H_PTS, false);
        String dts = text(h, H_DTS, false);
        return new MediaPacket(key, text(h, H_SESSION, true), number(text(h, H_SEQ, true), H_SEQ),
                pts == null ? NO_TIME : number(pts, H_PTS), dts == null ? NO_TIME : number(dts, H_DTS),
                tb[0], tb[1], key1, number(text(h, H_WALL, true), H_WALL), codec, params, value);
    }

    private static void put(Headers h, String name, String value) {
        h.add(name, value.getBytes(StandardCharsets.US_ASCII));
    }

    private static String text(Headers h, String name, boolean required) {
        Header header = h == null ? null : h.lastHeader(name);
        if (header == null || header.value() == null) {
            if (required) {
                throw new MalformedMessageException("media packet without header " + name);
            }
            return null;
        }
        return new String(header.value(), StandardCharsets.US_ASCII);
    }

    private static long number(String s, String name) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new MalformedMessageException("header " + name + " is not a number: " + s);
        }
    }

    private static int integer(String s, String name) {
        long n = number(s, name);
        if (n <= 0 || n > 65_535) {
            throw new MalformedMessageException("header " + name + " out of range: " + s);
        }
        return (int) n;
    }

    private static int[] ratio(String s, String name) {
        int slash = s.indexOf('/');
        if (slash < 0) {
            throw new MalformedMessageException("header " + name + " is not a ratio n/d: " + s);
        }
        long num = number(s.substring(0, slash), name);
        long den = number(s.substring(slash + 1), name);
        if (num <= 0 || den <= 0 || num > Integer.MAX_VALUE || den > Integer.MAX_VALUE) {
            throw new MalformedMessageException("header " + name + " out of range: " + s);
        }
        return new int[] {(int) num, (int) den};
    }
}
