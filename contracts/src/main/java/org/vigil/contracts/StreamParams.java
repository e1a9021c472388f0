package org.vigil.contracts;

/**
 * What a decoder or muxer needs to know about a video stream, sent with every key frame.
 *
 * @param codec        FFmpeg codec name, e.g. {@code h264}, {@code hevc}, {@code mjpeg}, {@code mpeg4}
 * @param width        coded width in pixels
 * @param height       coded height in pixels
 * @param frameRateNum nominal frame rate numerator (0 when unknown)
 * @param frameRateDen nominal frame rate denominator (1 when unknown)
 * @param extradata    codec-specific set-up bytes (e.g. H.264 SPS/PPS), empty when the stream carries them in-band
 */
public record StreamParams(String codec, int width, int height, int frameRateNum, int frameRateDen, byte[] extradata) {

    public StreamParams {
        extradata = extradata == null ? new byte[0] : extradata;
        frameRateDen = frameRateDen <= 0 ? 1 : frameRateDen;
    }

    /** Nominal frames per second, or 0 when the stream did not say. */
    public double frameRate() {
        return frameRateNum <= 0 ? 0 : (double) frameRateNum / frameRateDen;
    }

    /** True when a new segment must start: a different codec, resolution or set-up bytes. */
    public boolean differsFrom(StreamParams other) {
        return other == null || !codec.equals(other.codec) || width != other.width || height != other.height
                || !java.util.Arrays.equals(extradata, other.extradata);
    }
}
