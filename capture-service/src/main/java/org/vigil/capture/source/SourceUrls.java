package org.vigil.capture.source;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading camera source strings. */
public final class SourceUrls {

    private SourceUrls() {
    }

    /** The query parameters of {@code scheme:...?a=b&c=d}, decoded; empty when there are none. */
    public static Map<String, String> query(String url) {
        Map<String, String> q = new LinkedHashMap<>();
        int i = url.indexOf('?');
        if (i < 0) {
            return q;
        }
        for (String pair : url.substring(i + 1).split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            q.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
        }
        return q;
    }

    /** What kind of source a URL names. */
    public enum Kind {
        TEST, FILE, RTSP, HTTP, USB
    }

    /** The kind of {@code url}, or {@code null} when the scheme is not one Vigil reads. */
    public static Kind kind(String url) {
        if (url == null || url.isBlank()) {
            return null;
        }
        String u = url.trim();
        String lower = u.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("test:")) {
            return Kind.TEST;
        }
        if (lower.startsWith("file:")) {
            return Kind.FILE;
        }
        if (lower.startsWith("rtsp://") || lower.startsWith("rtsps://")) {
            return Kind.RTSP;
        }
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            return Kind.HTTP;
        }
        if (u.matches("\\d{1,2}") || u.matches("/dev/video\\d{1,2}")) {
            return Kind.USB;
        }
        return null;
    }
}
