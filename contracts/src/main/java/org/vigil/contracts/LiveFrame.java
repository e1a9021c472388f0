package org.vigil.contracts;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One live picture as the gateway sends it to browsers on {@code /ws} (a binary message), and as a site's recorder
 * sends it to a central gateway: {@code [u16 header length][header JSON {camera, wall, width, height}][JPEG]}.
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
        byte[] h = Json.write(header);
        byte[] m = new byte[2 + h.length + jpeg.length];
        m[0] = (byte) (h.length >>> 8);
        m[1] = (byte) h.length;
        System.arraycopy(h, 0, m, 2, h.length);
        System.arraycopy(jpeg, 0, m, 2 + h.length, jpeg.length);
        return m;
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
        if (message.length < 2) {
            return null;
        }
        int n = ((message[0] & 0xff) << 8) | (message[1] & 0xff);
        if (2 + n > message.length) {
            return null;
        }
        try {
            return Json.mapper().readTree(message, 2, n).path("camera").asText(null);
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
