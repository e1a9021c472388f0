package org.vigil.capture.probe;

/**
 * What a probe of a camera's address found (design 0018 §5): the stream's facts and a snapshot, or one precise reason
 * it cannot be used. A failed probe is still an answer: {@code ok} false, {@code reason} and {@code message} say why.
 *
 * @param ok       the camera can be saved as it is
 * @param reason   when not ok: {@code unauthorized} (the camera answered 401 or 403), {@code not_found} (404: no
 *                 stream at that path), {@code unreachable} (no route, refused, no answer within the timeout),
 *                 {@code not_video} (something answered, but not a video stream), {@code no_picture} (connected, no
 *                 picture within the timeout), {@code codec_not_recordable} (AVI cannot hold the codec),
 *                 {@code substream_scene_differs} (the sub-stream's shape is not the main stream's),
 *                 {@code cannot_open} (anything else; the message says what)
 * @param field    the field the reason is about: {@code url}, {@code subStreamUrl} or {@code password}
 * @param message  for a person, with credentials masked
 * @param main     the main stream's facts, when it could be read
 * @param sub      the sub-stream's facts, when there is one and it could be read
 * @param snapshot a JPEG of the main stream (base64), when a picture could be decoded
 * @param tookMs   how long the probe took
 */
public record ProbeResult(boolean ok, String reason, String field, String message, StreamFacts main, StreamFacts sub,
        String snapshot, long tookMs) {

    /**
     * One stream's facts.
     *
     * @param codec      FFmpeg's codec name, e.g. {@code h264}
     * @param fps        frames per second, as the stream says, or as measured when it does not
     * @param audio      the stream carries audio beside its video (Vigil records video only)
     * @param recordable an AVI segment can hold the codec untouched
     */
    public record StreamFacts(String codec, int width, int height, double fps, boolean audio, boolean recordable) {
    }
}
