package org.vigil.contracts;

import java.time.Instant;

/**
 * What a capture instance observes of a camera, published on every change and periodically.
 *
 * @param state      {@link State#ONLINE}: frames arrive; {@link State#OFFLINE}: cannot connect;
 *                   {@link State#NO_SIGNAL}: connected but no frame for RTSP_TIMEOUT_MS; {@link State#DISABLED}: an admin
 *                   turned the camera off (its settings and footage stay); {@link State#NO_CAPTURE_NODE}: its site is in
 *                   contact but none of the site's capture instances is alive, so no one captures it (said by
 *                   event-service, never by capture: design 0018 §6)
 * @param fps        measured input frame rate over the last few seconds
 * @param codec      FFmpeg codec name of the main stream, e.g. {@code h264}
 * @param lastError  the last error, with credentials masked; {@code null} when none
 * @param instance   the capture instance that owns the camera
 * @param at         when this status was observed
 */
public record CameraStatus(
        int v,
        String cameraId,
        String site,
        State state,
        double fps,
        int width,
        int height,
        String codec,
        String lastError,
        String instance,
        Instant at) {

    public static final int VERSION = 1;

    public enum State {
        ONLINE, OFFLINE, NO_SIGNAL, DISABLED, NO_CAPTURE_NODE;

        /** The wire name, as operators read it: {@code online}, {@code offline}, {@code no_signal}. */
        @com.fasterxml.jackson.annotation.JsonValue
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        @com.fasterxml.jackson.annotation.JsonCreator
        public static State fromWire(String s) {
            return valueOf(s.toUpperCase(java.util.Locale.ROOT));
        }
    }
}
