package org.vigil.contracts;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One live message as the gateway sends it to browsers on {@code /ws} (a binary message), and as a site's recorder
 * sends it to a central gateway: {@code [u16 header length][header JSON][payload]}. The header's {@code kind} says what
 * the payload is (design 0019 §3):
 * <ul>
 * <li>absent: a preview, a JPEG; header {@code {camera, wall, width, height}};</li>
 * <li>{@code init}: an fMP4 init segment; header {@code {camera, kind, mime, width, height}}, {@code mime} being
 * what a {@code SourceBuffer} takes, e.g. {@code video/mp4; codecs="avc1.640028"};</li>
 * <li>{@code fmp4}: one fMP4 fragment (a frame); header {@code {camera, kind, wall, key}}, and {@code skipped}, the
 * fragments left out just before it for this viewer, when any were;</li>
 * <li>{@code unsupported}: no payload; the stream's codec cannot be sent natively ({@code codec}, {@code message}).</li>
 * </ul>
 * {@code wall} is the capture's wall clock in µs; unknown fields are {@code null}.
 */
public final class LiveFrame {

    private LiveFrame() {
    }

    /** The message for one picture. */
    public static byte[] encode(String camera, Long wallMicros, Long width, Long height, byte[] jpeg) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("camera", camera);
        header.put("wall", wallMicros);
        header.put("width", width);
        header.put("height", height);
        return message(header, jpeg);
    }

    public static final String INIT = "init";
    public static final String FMP4 = "fmp4";
    public static final String UNSUPPORTED = "unsupported";

    /** What a gateway reads of a message's header to relay it: whose, which kind, and whether a key frame. */
    public record Header(String camera, String kind, boolean key) {
    }

    /** An init segment of a camera's native stream. */
    public static byte[] init(String camera, String mime, int width, int height, byte[] segment) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("camera", camera);
        header.put("kind", INIT);
        header.put("mime", mime);
        header.put("width", width);
        header.put("height", height);
        return message(header, segment);
    }

    /** One fragment (a frame) of a camera's native stream. */
    public static byte[] fragment(String camera, long wallMicros, boolean key, byte[] fragment) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("camera", camera);
        header.put("kind", FMP4);
        header.put("wall", wallMicros);
        header.put("key", key);
        return message(header, fragment);
    }

    /** A camera whose codec cannot be sent natively: the viewer shows its preview, saying why. */
    public static byte[] unsupported(String camera, String codec) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("camera", camera);
        header.put("kind", UNSUPPORTED);
        header.put("codec", codec);
        header.put("message", "this camera sends " + codec + ", which is not sent as native video; its preview is "
                + "shown instead");
        return message(header, new byte[0]);
    }

    /** The same fragment message with {@code skipped} in its header: how many were left out just before it. */
    public static byte[] withSkipped(byte[] message, long skipped) {
        int n = ((message[0] & 0xff) << 8) | (message[1] & 0xff);
        try {
            Map<String, Object> header = Json.mapper().readValue(message, 2, n,
                    new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>() { });
            header.put("skipped", skipped);
            return message(header, java.util.Arrays.copyOfRange(message, 2 + n, message.length));
        } catch (java.io.IOException e) {
            return message;
        }
    }

    private static byte[] message(Map<String, Object> header, byte[] payload) {
        byte[] h = Json.write(header);
        byte[] m = new byte[2 + h.length + payload.length];
        m[0] = (byte) (h.length >>> 8);
        m[1] = (byte) h.length;
        System.arraycopy(h, 0, m, 2, h.length);
        System.arraycopy(payload, 0, m, 2 + h.length, payload.length);
        return m;
    }

    /** The header of a message, or null when it is not one. */
    public static Header header(byte[] message) {
        if (message.length < 2) {
            return null;
        }
        int n = ((message[0] & 0xff) << 8) | (message[1] & 0xff);
        if (2 + n > message.length) {
            return null;
        }
        try {
            com.fasterxml.jackson.databind.JsonNode h = Json.mapper().readTree(message, 2, n);
            return new Header(h.path("camera").asText(null), h.path("kind").asText("jpeg"), h.path("key").asBoolean());
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** The message for a preview record as capture publishes it (the picture's size and time in its headers). */
    public static byte[] ofPreview(String camera, org.apache.kafka.common.header.Headers headers, byte[] jpeg) {
        return encode(camera, number(headers, MediaPacket.H_WALL), number(headers, MediaPacket.H_WIDTH),
                number(headers, MediaPacket.H_HEIGHT), jpeg);
    }

    private static Long number(org.apache.kafka.common.header.Headers headers, String name) {
        org.apache.kafka.common.header.Header h = headers.lastHeader(name);
        try {
            return h == null ? null : Long.parseLong(new String(h.value(), java.nio.charset.StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The camera a message is of, or null when it is not one. */
    public static String camera(byte[] message) {
        Header h = header(message);
        return h == null ? null : h.camera();
    }
}
