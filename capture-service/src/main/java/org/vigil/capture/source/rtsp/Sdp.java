package org.vigil.capture.source.rtsp;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The parts of a camera's session description (RFC 8866) that reading its video needs: the first video stream, its
 * payload type, codec, clock rate, control URL and the parameter sets it announces. Everything else is ignored.
 */
final class Sdp {

    /** The camera's video stream. {@code parameterSets} are NAL units (VPS, SPS, PPS; SPS, PPS), without start codes. */
    record Video(String codec, int payloadType, int clockRate, String control, List<byte[]> parameterSets,
            Map<String, String> format) {
    }

    private Sdp() {
    }

    /**
     * @param sdp the DESCRIBE answer's body
     * @return the first video stream, or null when there is none
     */
    static Video video(String sdp, String base) {
        String sessionControl = null;
        boolean inVideo = false;
        boolean seenVideo = false;
        int payloadType = -1;
        String codec = null;
        int clock = 0;
        String control = null;
        Map<String, String> format = new LinkedHashMap<>();
        for (String raw : sdp.split("\r?\n")) {
            String line = raw.strip();
            if (line.startsWith("m=")) {
                if (seenVideo) {
                    break;
                }
                String[] f = line.substring(2).split("\\s+");
                inVideo = f.length >= 4 && f[0].equals("video") && f[2].startsWith("RTP/AVP");
                if (inVideo) {
                    seenVideo = true;
                    try {
                        payloadType = Integer.parseInt(f[3]);
                    } catch (NumberFormatException e) {
                        return null;
                    }
                }
                continue;
            }
            if (!line.startsWith("a=")) {
                continue;
            }
            String attr = line.substring(2);
            if (!seenVideo && attr.startsWith("control:")) {
                sessionControl = attr.substring(8).strip();
            }
            if (!inVideo) {
                continue;
            }
            if (attr.startsWith("control:")) {
                control = attr.substring(8).strip();
            } else if (attr.startsWith("rtpmap:" + payloadType + " ")) {
                String[] enc = attr.substring(attr.indexOf(' ') + 1).strip().split("/");
                codec = enc[0].toUpperCase(Locale.ROOT);
                try {
                    clock = enc.length > 1 ? Integer.parseInt(enc[1].strip()) : 0;
                } catch (NumberFormatException e) {
                    clock = 0;
                }
            } else if (attr.startsWith("fmtp:" + payloadType + " ")) {
                for (String kv : attr.substring(attr.indexOf(' ') + 1).split(";")) {
                    int eq = kv.indexOf('=');
                    if (eq > 0) {
                        format.put(kv.substring(0, eq).strip().toLowerCase(Locale.ROOT), kv.substring(eq + 1).strip());
                    }
                }
            }
        }
        if (!seenVideo) {
            return null;
        }
        if (codec == null && payloadType == 26) {
            codec = "JPEG"; // static payload type: no rtpmap needed
            clock = 90000;
        }
        List<byte[]> sets = new ArrayList<>();
        if ("H264".equals(codec)) {
            decodeAll(format.get("sprop-parameter-sets"), sets);
        } else if ("H265".equals(codec)) {
            decodeAll(format.get("sprop-vps"), sets);
            decodeAll(format.get("sprop-sps"), sets);
            decodeAll(format.get("sprop-pps"), sets);
        }
        return new Video(codec, payloadType, clock, resolve(base, control == null ? sessionControl : control), sets,
                format);
    }

    /** Whether the session has an audio stream beside its video (never read: Vigil records video only). */
    static boolean hasAudio(String sdp) {
        for (String line : sdp.split("\r?\n")) {
            if (line.startsWith("m=audio ")) {
                return true;
            }
        }
        return false;
    }

    /** The session's aggregate control URL (for PLAY): the session-level {@code a=control}, else the base. */
    static String sessionControl(String sdp, String base) {
        for (String raw : sdp.split("\r?\n")) {
            String line = raw.strip();
            if (line.startsWith("m=")) {
                break;
            }
            if (line.startsWith("a=control:")) {
                return resolve(base, line.substring(10).strip());
            }
        }
        return base;
    }

    /** A control attribute against the base URL: absolute as is, "*" the base, relative appended after a slash. */
    static String resolve(String base, String control) {
        if (control == null || control.isEmpty() || control.equals("*")) {
            return base;
        }
        if (control.regionMatches(true, 0, "rtsp://", 0, 7)) {
            return control;
        }
        return base.endsWith("/") ? base + control : base + "/" + control;
    }

    private static void decodeAll(String list, List<byte[]> into) {
        if (list == null) {
            return;
        }
        for (String b64 : list.split(",")) {
            String t = b64.strip();
            if (t.isEmpty()) {
                continue;
            }
            try {
                byte[] nal = Base64.getDecoder().decode(t);
                if (nal.length > 0) {
                    into.add(nal);
                }
            } catch (IllegalArgumentException e) {
                // a malformed set is ignored; the stream repeats its parameter sets in band
            }
        }
    }
}
