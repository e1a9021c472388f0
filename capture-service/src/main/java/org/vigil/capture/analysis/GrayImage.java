package org.vigil.capture.analysis;

/** An 8-bit grey image, row-major, {@code width * height} bytes. */
public record GrayImage(byte[] pixels, int width, int height) {

    public GrayImage {
        if (pixels.length != width * height) {
            throw new IllegalArgumentException("expected " + width * height + " pixels, got " + pixels.length);
        }
    }

    public int at(int x, int y) {
        return pixels[y * width + x] & 0xff;
    }
}
