package org.vigil.runtime.media;

import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Small helpers around FFmpeg's C API. */
public final class Ffmpeg {

    private Ffmpeg() {
    }

    /** FFmpeg's text for an error code, e.g. "Connection refused". */
    public static String error(int code) {
        byte[] buf = new byte[256];
        av_strerror(code, buf, buf.length);
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, StandardCharsets.UTF_8) + " (" + code + ")";
    }

    /** Throws when {@code code} is an FFmpeg error. */
    public static int check(int code, String what) {
        if (code < 0) {
            throw new IllegalStateException(what + " failed: " + error(code));
        }
        return code;
    }

    /** Throws an {@link IOException} when {@code code} is an FFmpeg error: for reading and writing files. */
    public static int checkIo(int code, String what) throws IOException {
        if (code < 0) {
            throw new IOException(what + " failed: " + error(code));
        }
        return code;
    }
}
