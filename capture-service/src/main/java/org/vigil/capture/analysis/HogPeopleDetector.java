package org.vigil.capture.analysis;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.util.ArrayList;
import java.util.List;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.RectVector;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_objdetect.HOGDescriptor;
import org.vigil.contracts.Box;
import org.vigil.contracts.Detections;

/**
 * People, with OpenCV's built-in HOG + linear SVM detector (Dalal and Triggs): no model to download. Each motion
 * region, widened by a quarter, is cropped and scaled up until a person in it would fill the detector's 64x128
 * window, then scanned; overlapping hits from neighbouring regions are merged. Not thread-safe: one per camera.
 */
public final class HogPeopleDetector implements ObjectDetector {

    /** Crops are scaled so that their height is at least this (the window is 128 high; people fill ~80%). */
    static final int MIN_CROP_HEIGHT = 160;
    static final double MAX_UPSCALE = 3;
    /**
     * Around each crop, so windows may reach past its edge. 8 pixels, not 16: on PETS 2009 the detector's time per
     * frame fell by a quarter (5.9 to 4.4 ms) for a recall of 0.551 instead of 0.554, precision unchanged (0.952);
     * none at all cost a tenth of the recall (0.499). A coarser pyramid (steps of 1.1) cost 7 % of the recall.
     */
    static final int PADDING = 8;
    /** Between the image pyramid's levels. */
    static final double SCALE_STEP = 1.05;

    private final HOGDescriptor hog = new HOGDescriptor();
    private final Mat svm;
    private final double minConfidence;
    private final int width;

    /** @param width width of the frame to look at (people must be about 100 px tall in it) */
    public HogPeopleDetector(double minConfidence, int width) {
        // OpenCV's own thread pool off, for the whole process: each camera already analyses on a thread of its own,
        // and the pool's workers wait for work by spinning (sched_yield), which on a two-core site node took as much
        // CPU as the detector itself (design 0022)
        opencv_core.setNumThreads(0);
        this.minConfidence = minConfidence;
        this.width = width;
        this.svm = new Mat(HOGDescriptor.getDefaultPeopleDetector());
        hog.setSVMDetector(svm);
    }

    @Override
    public String name() {
        return "hog-people";
    }

    @Override
    public List<Detections.Detected> detect(Pictures picture, List<Box> regions) {
        return regions.isEmpty() ? List.of() : detect(picture.gray(width), regions);
    }

    /** Looks for people inside {@code regions} of a grey frame. */
    public List<Detections.Detected> detect(GrayImage frame, List<Box> regions) {
        List<Detections.Detected> found = new ArrayList<>();
        int fw = frame.width();
        int fh = frame.height();
        for (Box r : regions) {
            int x0 = clamp((int) Math.floor((r.x() - r.w() / 4) * fw), 0, fw - 1);
            int y0 = clamp((int) Math.floor((r.y() - r.h() / 4) * fh), 0, fh - 1);
            int x1 = clamp((int) Math.ceil((r.x() + r.w() * 1.25) * fw), x0 + 1, fw);
            int y1 = clamp((int) Math.ceil((r.y() + r.h() * 1.25) * fh), y0 + 1, fh);
            double scale = Math.min(MAX_UPSCALE, Math.max(1, MIN_CROP_HEIGHT / (double) (y1 - y0)));
            int cw = (int) Math.round((x1 - x0) * scale);
            int ch = (int) Math.round((y1 - y0) * scale);
            if (cw < 64 || ch < 128) {
                continue; // too small to hold a person the detector can see
            }
            byte[] crop = new byte[(x1 - x0) * (y1 - y0)];
            for (int y = y0; y < y1; y++) {
                System.arraycopy(frame.pixels(), y * fw + x0, crop, (y - y0) * (x1 - x0), x1 - x0);
            }
            try (BytePointer data = new BytePointer(crop);
                    Mat src = new Mat(y1 - y0, x1 - x0, CV_8UC1, data);
                    Mat scaled = new Mat();
                    RectVector rects = new RectVector();
                    DoublePointer weights = new DoublePointer();
                    Size target = new Size(cw, ch);
                    Size stride = new Size(8, 8);
                    Size padding = new Size(PADDING, PADDING)) {
                resize(src, scaled, target, 0, 0, INTER_LINEAR);
                hog.detectMultiScale(scaled, rects, weights, 0, stride, padding, SCALE_STEP, 2, false);
                for (int i = 0; i < rects.size(); i++) {
                    Rect d = rects.get(i);
                    double confidence = 1 / (1 + Math.exp(-weights.get(i)));
                    if (confidence < minConfidence) {
                        continue;
                    }
                    // the detection window holds a margin around the person (trained on 64x128 windows with the
                    // person about 32x96 in the middle): report the person, not the window
                    double bx = (x0 + (d.x() + d.width() * 0.25) / scale) / fw;
                    double by = (y0 + (d.y() + d.height() * 0.125) / scale) / fh;
                    double bw = d.width() * 0.5 / scale / fw;
                    double bh = d.height() * 0.75 / scale / fh;
                    found.add(new Detections.Detected("person", confidence, Boxes.clip(new Box(bx, by, bw, bh))));
                }
            }
        }
        return Boxes.suppressOverlaps(found);
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    @Override
    public void close() {
        hog.close();
        svm.close();
    }
}
