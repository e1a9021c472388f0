package org.vigil.capture.source.rtsp;

/**
 * The picture size a sequence parameter set declares (H.264 §7.3.2.1.1, H.265 §7.3.2.2), after its cropping window:
 * what FFmpeg reports as a stream's width and height. Only the fields before the size are walked; nothing after it
 * (VUI, extensions) is read.
 */
final class PictureSize {

    private PictureSize() {
    }

    /** width and height in pixels */
    record Size(int width, int height) {
    }

    /**
     * @param nal one H.264 SPS NAL unit, header byte included, emulation prevention bytes still in
     * @throws IllegalArgumentException when the unit is not a plausible SPS
     */
    static Size h264(byte[] nal) {
        Bits b = new Bits(nal, 1);
        int profile = b.u(8);
        b.u(16); // constraint flags, level
        b.ue(); // seq_parameter_set_id
        int chroma = 1;
        boolean separateColourPlanes = false;
        if (profile == 100 || profile == 110 || profile == 122 || profile == 244 || profile == 44 || profile == 83
                || profile == 86 || profile == 118 || profile == 128 || profile == 138 || profile == 139
                || profile == 134 || profile == 135) {
            chroma = b.ue();
            if (chroma == 3) {
                separateColourPlanes = b.u(1) == 1;
            }
            b.ue(); // bit depth luma - 8
            b.ue(); // bit depth chroma - 8
            b.u(1); // qpprime_y_zero_transform_bypass
            if (b.u(1) == 1) { // seq_scaling_matrix_present
                for (int i = 0; i < (chroma == 3 ? 12 : 8); i++) {
                    if (b.u(1) == 1) {
                        skipScalingList(b, i < 6 ? 16 : 64);
                    }
                }
            }
        }
        b.ue(); // log2_max_frame_num - 4
        int pocType = b.ue();
        if (pocType == 0) {
            b.ue();
        } else if (pocType == 1) {
            b.u(1);
            b.se();
            b.se();
            int cycle = b.ue();
            if (cycle > 255) {
                throw new IllegalArgumentException("implausible SPS");
            }
            for (int i = 0; i < cycle; i++) {
                b.se();
            }
        }
        b.ue(); // max_num_ref_frames
        b.u(1); // gaps_in_frame_num_allowed
        int widthMbs = b.ue() + 1;
        int heightMapUnits = b.ue() + 1;
        int frameMbsOnly = b.u(1);
        if (frameMbsOnly == 0) {
            b.u(1); // mb_adaptive_frame_field
        }
        b.u(1); // direct_8x8_inference
        int cropX = 1;
        int cropY = 2 - frameMbsOnly;
        if (chroma != 0 && !separateColourPlanes) {
            cropX = chroma == 3 ? 1 : 2;
            cropY = (chroma == 1 ? 2 : 1) * (2 - frameMbsOnly);
        }
        int width = widthMbs * 16;
        int height = (2 - frameMbsOnly) * heightMapUnits * 16;
        if (b.u(1) == 1) { // frame_cropping
            int left = b.ue();
            int right = b.ue();
            int top = b.ue();
            int bottom = b.ue();
            width -= cropX * (left + right);
            height -= cropY * (top + bottom);
        }
        return checked(width, height);
    }

    /**
     * @param nal one H.265 SPS NAL unit, its two header bytes included
     * @throws IllegalArgumentException when the unit is not a plausible SPS
     */
    static Size h265(byte[] nal) {
        Bits b = new Bits(nal, 2);
        b.u(4); // sps_video_parameter_set_id
        int subLayers = b.u(3); // sps_max_sub_layers_minus1
        b.u(1); // temporal_id_nesting
        // profile_tier_level(1, subLayers): general profile (88 bits) and level (8 bits)
        b.u(32);
        b.u(32);
        b.u(24);
        b.u(8);
        boolean[] profilePresent = new boolean[subLayers];
        boolean[] levelPresent = new boolean[subLayers];
        for (int i = 0; i < subLayers; i++) {
            profilePresent[i] = b.u(1) == 1;
            levelPresent[i] = b.u(1) == 1;
        }
        if (subLayers > 0) {
            for (int i = subLayers; i < 8; i++) {
                b.u(2);
            }
        }
        for (int i = 0; i < subLayers; i++) {
            if (profilePresent[i]) {
                b.u(32);
                b.u(32);
                b.u(24);
            }
            if (levelPresent[i]) {
                b.u(8);
            }
        }
        b.ue(); // sps_seq_parameter_set_id
        int chroma = b.ue();
        boolean separateColourPlanes = chroma == 3 && b.u(1) == 1;
        int width = b.ue();
        int height = b.ue();
        if (b.u(1) == 1) { // conformance_window
            int subW = chroma == 1 || chroma == 2 ? 2 : 1;
            int subH = chroma == 1 ? 2 : 1;
            if (separateColourPlanes || chroma == 0) {
                subW = 1;
                subH = 1;
            }
            int left = b.ue();
            int right = b.ue();
            int top = b.ue();
            int bottom = b.ue();
            width -= subW * (left + right);
            height -= subH * (top + bottom);
        }
        return checked(width, height);
    }

    private static Size checked(int width, int height) {
        if (width <= 0 || height <= 0 || width > 16384 || height > 16384) {
            throw new IllegalArgumentException("implausible picture size " + width + "x" + height);
        }
        return new Size(width, height);
    }

    private static void skipScalingList(Bits b, int size) {
        int last = 8;
        int next = 8;
        for (int j = 0; j < size; j++) {
            if (next != 0) {
                next = (last + b.se() + 256) % 256;
            }
            last = next == 0 ? last : next;
        }
    }

    /** Reads a NAL unit's payload bit by bit, skipping emulation prevention bytes (00 00 03). */
    private static final class Bits {
        private final byte[] data;
        private int pos;
        private int bit;
        private int zeros;
        private int current;

        Bits(byte[] data, int start) {
            this.data = data;
            this.pos = start;
            this.bit = 8;
        }

        private int nextBit() {
            if (bit == 8) {
                if (pos >= data.length) {
                    throw new IllegalArgumentException("SPS ends early");
                }
                int v = data[pos++] & 0xFF;
                if (zeros >= 2 && v == 3) {
                    zeros = 0;
                    if (pos >= data.length) {
                        throw new IllegalArgumentException("SPS ends early");
                    }
                    v = data[pos++] & 0xFF;
                }
                zeros = v == 0 ? zeros + 1 : 0;
                current = v;
                bit = 0;
            }
            return (current >> (7 - bit++)) & 1;
        }

        int u(int n) {
            int v = 0;
            for (int i = 0; i < n; i++) {
                v = (v << 1) | nextBit();
            }
            return v;
        }

        int ue() {
            int leading = 0;
            while (nextBit() == 0) {
                if (++leading > 31) {
                    throw new IllegalArgumentException("malformed Exp-Golomb code in SPS");
                }
            }
            return (int) ((1L << leading) - 1 + (leading == 0 ? 0 : Integer.toUnsignedLong(u(leading))));
        }

        int se() {
            int k = ue();
            return (k & 1) == 1 ? (k + 1) / 2 : -(k / 2);
        }
    }
}
