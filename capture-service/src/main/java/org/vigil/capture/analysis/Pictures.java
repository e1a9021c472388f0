package org.vigil.capture.analysis;

/** The latest decoded picture, scaled on demand: grey for motion and HOG, colour for neural detectors. */
public interface Pictures {

    GrayImage gray(int width);

    BgrImage bgr(int width);
}
