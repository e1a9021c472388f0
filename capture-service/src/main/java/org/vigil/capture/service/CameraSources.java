package org.vigil.capture.service;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.vigil.capture.source.SourceUrls;
import org.vigil.capture.source.SyntheticSource;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Zone;

/**
 * Reads CAMERA_SOURCES: comma-separated entries {@code [id=]source[|sub-stream]}. Without an id, the n-th entry is
 * {@code camN}. The optional sub-stream (after {@code |}) is a lower-resolution stream of the same camera used for
 * analysis only. A {@code test:} camera gets a mask over its clock strip, as an operator would mask a camera's
 * burned-in time.
 */
public final class CameraSources {

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    /** One entry: the camera it registers, or why it cannot. */
    public record Entry(int position, String raw, CameraConfig camera, String error) {
    }

    private CameraSources() {
    }

    public static List<Entry> parse(String value, String site, Instant now) {
        List<Entry> entries = new ArrayList<>();
        if (value == null || value.isBlank()) {
            return entries;
        }
        String[] parts = value.split(",");
        for (int i = 0; i < parts.length; i++) {
            String raw = parts[i].trim();
            int position = i + 1;
            if (raw.isEmpty()) {
                continue;
            }
            String id = "cam" + position;
            String url = raw;
            int eq = raw.indexOf('=');
            if (eq > 0 && ID.matcher(raw.substring(0, eq)).matches()
                    && SourceUrls.kind(raw.substring(eq + 1).split("\\|")[0].trim()) != null) {
                id = raw.substring(0, eq);
                url = raw.substring(eq + 1);
            }
            String sub = null;
            int bar = url.indexOf('|');
            if (bar >= 0) {
                sub = url.substring(bar + 1).trim();
                url = url.substring(0, bar).trim();
                if (SourceUrls.kind(sub) == null) {
                    entries.add(new Entry(position, CameraConfig.maskCredentials(raw), null, "entry " + position
                            + ": the sub-stream after | (" + CameraConfig.maskCredentials(sub) + ") is not a camera source"));
                    continue;
                }
            }
            String safe = CameraConfig.maskCredentials(url);
            SourceUrls.Kind kind = SourceUrls.kind(url);
            if (kind == null) {
                entries.add(new Entry(position, safe, null, "entry " + position + " (" + safe + ") is not a camera source:"
                        + " use a USB index like 0, rtsp://, http(s)://, file:/path or test:"));
                continue;
            }
            String name = switch (kind) {
                case TEST -> "Synthetic camera " + position;
                case USB -> "USB camera " + url;
                default -> "Camera " + position;
            };
            List<Zone> masks = kind == SourceUrls.Kind.TEST ? List.of(new Zone("clock", List.of(new Zone.Point(0, 0),
                    new Zone.Point(1, 0), new Zone.Point(1, SyntheticSource.CLOCK_STRIP),
                    new Zone.Point(0, SyntheticSource.CLOCK_STRIP)))) : List.of();
            entries.add(new Entry(position, safe, new CameraConfig(CameraConfig.VERSION, id, name, site, url, sub, true,
                    0.5, List.of(), masks, now, "capture:CAMERA_SOURCES"), null));
        }
        return entries;
    }
}
