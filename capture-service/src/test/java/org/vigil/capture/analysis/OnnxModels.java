package org.vigil.capture.analysis;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes small ONNX models by hand (protobuf wire format) for tests: no model can be downloaded here, and the
 * detector's adapter still deserves a run through OpenCV's real ONNX importer.
 */
final class OnnxModels {

    private OnnxModels() {
    }

    /**
     * A model with the YOLOv8 detection head's interface ({@code images} [1,3,s,s] in, {@code output0}
     * [1, 84, candidates] out) that ignores its input and always answers {@code head}: output = mean(images) * 0 + head.
     */
    static byte[] fixedYoloHead(int inputSize, float[][] head) {
        int rows = head.length;
        int cols = head[0].length;
        ByteBuffer raw = ByteBuffer.allocate(rows * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : head) {
            for (float v : row) {
                raw.putFloat(v);
            }
        }
        Proto graph = new Proto()
                .message(1, node(new String[] {"images"}, "m", "ReduceMean", new Proto().string(1, "axes").ints(8,
                        new long[] {1, 2, 3}).varint(20, 7), new Proto().string(1, "keepdims").varint(3, 0)
                        .varint(20, 2)))
                .message(1, node(new String[] {"m", "zero"}, "z", "Mul"))
                .message(1, node(new String[] {"z", "head"}, "output0", "Add"))
                .string(2, "fixed-yolo-head")
                .message(5, tensor("zero", new long[] {1}, new byte[4]))
                .message(5, tensor("head", new long[] {1, rows, cols}, raw.array()))
                .message(11, valueInfo("images", new long[] {1, 3, inputSize, inputSize}))
                .message(12, valueInfo("output0", new long[] {1, rows, cols}));
        return new Proto()
                .varint(1, 8) // ir_version
                .string(2, "vigil-test")
                .message(7, graph)
                .message(8, new Proto().string(1, "").varint(2, 13)) // opset 13
                .bytes();
    }

    private static Proto node(String[] inputs, String output, String op, Proto... attributes) {
        Proto n = new Proto();
        for (String in : inputs) {
            n.string(1, in);
        }
        n.string(2, output).string(4, op);
        for (Proto a : attributes) {
            n.message(5, a);
        }
        return n;
    }

    private static Proto tensor(String name, long[] dims, byte[] raw) {
        Proto t = new Proto();
        for (long d : dims) {
            t.varint(1, d);
        }
        return t.varint(2, 1).string(8, name).bytes(9, raw); // data_type 1 = float
    }

    private static Proto valueInfo(String name, long[] dims) {
        Proto shape = new Proto();
        for (long d : dims) {
            shape.message(1, new Proto().varint(1, d));
        }
        Proto tensorType = new Proto().varint(1, 1).message(2, shape);
        return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
    }

    /** Just enough of the protobuf wire format. */
    static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto varint(int field, long value) {
            tag(field, 0);
            raw(value);
            return this;
        }

        Proto ints(int field, long[] values) {
            for (long v : values) {
                varint(field, v);
            }
            return this;
        }

        Proto string(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Proto bytes(int field, byte[] b) {
            tag(field, 2);
            raw(b.length);
            out.writeBytes(b);
            return this;
        }

        Proto message(int field, Proto m) {
            return bytes(field, m.bytes());
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        private void tag(int field, int wire) {
            raw(((long) field << 3) | wire);
        }

        private void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }
    }
}
