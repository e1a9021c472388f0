package org.vigil.capture.analysis;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_dnn.blobFromImage;
import static org.bytedeco.opencv.global.opencv_dnn.readNetFromONNX;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_dnn.Net;
import org.vigil.contracts.Box;
import org.vigil.contracts.Detections;

/**
 * People and vehicles with an ONNX model through OpenCV's DNN module, for an operator who supplies a model file
 * (nothing is downloaded). Expects the YOLOv8 / YOLO11 detection head: one output of shape
 * {@code [1, 4 + classes, candidates]}, boxes as centre x, centre y, width, height in input pixels, then one score per
 * COCO class. The union of the motion regions (widened by a quarter) is cropped from the colour frame, letterboxed
 * into the square input, run once, and the boxes mapped back. Not thread-safe: one per camera.
 */
public final class OnnxDetector implements ObjectDetector {

    /** COCO's 80 classes, in the order YOLO models trained on COCO emit them. */
    static final List<String> COCO = List.of("person", "bicycle", "car", "motorcycle", "airplane", "bus", "train",
            "truck", "boat", "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
            "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie",
            "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove",
            "skateboard", "surfboard", "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl",
            "banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair",
            "couch", "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard",
            "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
            "teddy bear", "hair drier", "toothbrush");

    private final Net net;
    private final String name;
    private final int inputSize;
    private final int frameWidth;
    private final Set<String> labels;
    private final double minConfidence;

    /**
     * @param model      the .onnx file
     * @param inputSize  the model's square input side, e.g. 640
     * @param frameWidth width of the colour frame the regions are cropped from
     * @param labels     COCO labels to report (e.g. person, car, truck); others are ignored
     * @throws IllegalArgumentException when the file is missing or OpenCV cannot load it, saying which
     */
    public OnnxDetector(Path model, int inputSize, int frameWidth, Set<String> labels, double minConfidence) {
        if (!Files.isRegularFile(model) || !Files.isReadable(model)) {
            throw new IllegalArgumentException("no readable ONNX model at " + model);
        }
        Net n;
        try {
            n = readNetFromONNX(model.toString());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("OpenCV cannot load the ONNX model " + model + ": " + e.getMessage(), e);
        }
        if (n == null || n.empty()) {
            throw new IllegalArgumentException("OpenCV loaded no network from " + model);
        }
        this.net = n;
        this.name = "onnx:" + model.getFileName();
        this.inputSize = inputSize;
        this.frameWidth = frameWidth;
        this.labels = Set.copyOf(labels);
        this.minConfidence = minConfidence;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<Detections.Detected> detect(Pictures picture, List<Box> regions) {
        if (regions.isEmpty()) {
            return List.of();
        }
        BgrImage frame = picture.bgr(frameWidth);
        int fw = frame.width();
        int fh = frame.height();
        int[] c = Boxes.widenedUnion(regions, fw, fh);
        int cw = c[2] - c[0];
        int ch = c[3] - c[1];
        double scale = Math.min(inputSize / (double) cw, inputSize / (double) ch);
        int rw = Math.max(1, (int) Math.round(cw * scale));
        int rh = Math.max(1, (int) Math.round(ch * scale));
        int dx = (inputSize - rw) / 2;
        int dy = (inputSize - rh) / 2;
        List<Detections.Detected> found = new ArrayList<>();
        try (BytePointer data = new BytePointer(frame.pixels());
                Mat whole = new Mat(fh, fw, CV_8UC3, data);
                Rect cropRect = new Rect(c[0], c[1], cw, ch);
                Mat crop = new Mat(whole, cropRect);
                Mat resized = new Mat();
                Size target = new Size(rw, rh);
                Mat boxed = new Mat(inputSize, inputSize, CV_8UC3, new Scalar(114, 114, 114, 0));
                Rect place = new Rect(dx, dy, rw, rh);
                Mat slot = new Mat(boxed, place);
                Size input = new Size(inputSize, inputSize);
                Scalar zero = new Scalar(0, 0, 0, 0)) {
            resize(crop, resized, target, 0, 0, INTER_LINEAR);
            resized.copyTo(slot);
            try (Mat blob = blobFromImage(boxed, 1 / 255.0, input, zero, true, false, CV_32F)) {
                net.setInput(blob);
                try (Mat out = net.forward()) {
                    if (out.dims() != 3 || out.size(1) < 5) {
                        throw new IllegalStateException("the model's output is not a YOLO detection head [1, 4 + "
                                + "classes, candidates]");
                    }
                    int rows = out.size(1);
                    int cols = out.size(2);
                    FloatPointer v = new FloatPointer(out.ptr());
                    for (int k = 0; k < cols; k++) {
                        int best = -1;
                        float bestScore = 0;
                        for (int r = 4; r < rows; r++) {
                            float s = v.get((long) r * cols + k);
                            if (s > bestScore) {
                                bestScore = s;
                                best = r - 4;
                            }
                        }
                        if (best < 0 || bestScore < minConfidence || best >= COCO.size()
                                || !labels.contains(COCO.get(best))) {
                            continue;
                        }
                        double bx = v.get(k);
                        double by = v.get((long) cols + k);
                        double bw = v.get(2L * cols + k);
                        double bh = v.get(3L * cols + k);
                        double x = (bx - bw / 2 - dx) / scale + c[0];
                        double y = (by - bh / 2 - dy) / scale + c[1];
                        found.add(new Detections.Detected(COCO.get(best), bestScore,
                                Boxes.clip(new Box(x / fw, y / fh, bw / scale / fw, bh / scale / fh))));
                    }
                }
            }
        }
        return Boxes.suppressOverlaps(found);
    }

    @Override
    public void close() {
        net.close();
    }
}
