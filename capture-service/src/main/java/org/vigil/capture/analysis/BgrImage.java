package org.vigil.capture.analysis;

/** A 24-bit BGR image, row-major, {@code width * height * 3} bytes (OpenCV's order). */
public record BgrImage(byte[] pixels, int width, int height) {

    public BgrImage {
        if (pixels.length != width * height * 3) {
            throw new IllegalArgumentException("expected " + width * height * 3 + " bytes, got " + pixels.length);
        }
    }
}
