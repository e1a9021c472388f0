package org.vigil.recorder.live;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes an H.264 stream as fragmented MP4 for Media Source Extensions (design 0019 §2): an init segment, then one
 * fragment ({@code moof} + {@code mdat}) per access unit, each ready to send the moment its frame arrives. No decoding:
 * the access unit's NAL units are copied with their Annex B start codes replaced by 4-byte lengths (AUDs dropped; SPS
 * and PPS left in band). The decode time is 90 kHz from the packets' own times, starts at 0 and never goes back; a
 * frame's duration is the gap since the previous frame (none is held back), at least {@value #MIN_DURATION} ticks.
 * One per stream; not thread-safe.
 */
public final class Fmp4 {

    /** 90 kHz, the RTP clock of video, so RTSP times convert exactly. */
    public static final int TIMESCALE = 90_000;
    /** 1 ms: browsers refuse a zero duration (Safari) and a frame must take some time. */
    static final int MIN_DURATION = 90;
    /** A gap longer than this (or none, or negative) is a discontinuity: the nominal frame duration is used. */
    private static final long MAX_GAP = 10L * TIMESCALE;
    static final int SYNC = 0x02000000;
    static final int NON_SYNC = 0x01010000;

    /** An init segment: its bytes, the MIME type a {@code SourceBuffer} takes, and the picture size. */
    public record Init(byte[] bytes, String mime, int width, int height) {
    }

    /**
     * What one access unit produced: a new init segment first when the stream (re)starts or its SPS/PPS changed, and
     * the fragment; both null before the first key frame, which is dropped.
     */
    public record Output(Init init, byte[] fragment, boolean key, long decodeTime) {
        static final Output NOTHING = new Output(null, null, false, 0);
    }

    /** Whether this codec (an FFmpeg codec name) can be written here. */
    public static boolean supports(String codec) {
        return "h264".equals(codec);
    }

    private final int defaultDuration;
    private byte[] sps;
    private byte[] pps;
    private int width;
    private int height;
    private int sequence;
    private long decodeTime;
    private long lastDts = Long.MIN_VALUE;

    /** @param frameRate the stream's nominal frames per second (0 when unknown: 25 is assumed where a time is missing) */
    public Fmp4(double frameRate) {
        this.defaultDuration = (int) Math.max(MIN_DURATION, Math.round(TIMESCALE / (frameRate > 0 ? frameRate : 25)));
    }

    /**
     * One access unit.
     *
     * @param width, height the picture size (a key frame's stream parameters)
     * @param extradata the stream's set-up bytes (Annex B SPS/PPS or an {@code avcC}), empty when they are in band
     * @param data the access unit, Annex B or length-prefixed
     * @param pts, dts the presentation and decode times in {@code tbNum/tbDen} (Long.MIN_VALUE: unknown)
     */
    public Output accept(int width, int height, byte[] extradata, byte[] data, long pts, long dts, int tbNum, int tbDen,
            boolean key) {
        List<byte[]> nals = nals(data);
        byte[] newSps = null;
        byte[] newPps = null;
        if (key) {
            for (byte[] n : extradataNals(extradata)) {
                if (type(n) == 7 && newSps == null) {
                    newSps = n;
                } else if (type(n) == 8 && newPps == null) {
                    newPps = n;
                }
            }
            for (byte[] n : nals) { // in band wins: it is what this frame was coded with
                if (type(n) == 7) {
                    newSps = n;
                } else if (type(n) == 8) {
                    newPps = n;
                }
            }
        }
        Init init = null;
        if (key && newSps != null && newPps != null && newSps.length >= 4 && (sps == null
                || !Arrays.equals(sps, newSps) || !Arrays.equals(pps, newPps) || width != this.width
                || height != this.height)) {
            sps = newSps;
            pps = newPps;
            this.width = width;
            this.height = height;
            init = init();
        }
        if (sps == null) {
            return Output.NOTHING; // nothing can be decoded before the first key frame with its parameters
        }
        long dts90 = ticks(dts != Long.MIN_VALUE ? dts : pts, tbNum, tbDen);
        long pts90 = pts == Long.MIN_VALUE ? dts90 : ticks(pts, tbNum, tbDen);
        long duration = defaultDuration;
        if (dts90 != Long.MIN_VALUE && lastDts != Long.MIN_VALUE) {
            long gap = dts90 - lastDts;
            duration = gap > 0 && gap <= MAX_GAP ? Math.max(MIN_DURATION, gap) : defaultDuration;
        }
        long offset = dts90 == Long.MIN_VALUE || pts90 == Long.MIN_VALUE ? 0 : pts90 - dts90;
        lastDts = dts90;
        long at = decodeTime;
        byte[] fragment = fragment(nals, key, at, duration, offset);
        decodeTime += duration;
        return new Output(init, fragment, key, at);
    }

    /** {@code t} in {@code num/den} as 90 kHz ticks (Long.MIN_VALUE stays unknown). */
    static long ticks(long t, int num, int den) {
        if (t == Long.MIN_VALUE || num <= 0 || den <= 0) {
            return Long.MIN_VALUE;
        }
        if (num == 1 && den == TIMESCALE) {
            return t;
        }
        long scale = (long) num * TIMESCALE;
        if (Math.abs(t) < (1L << 40) && scale < (1L << 22)) {
            return Math.floorDiv(t * scale, den); // fits: no allocation on the common path
        }
        return java.math.BigInteger.valueOf(t).multiply(java.math.BigInteger.valueOf((long) num * TIMESCALE))
                .divide(java.math.BigInteger.valueOf(den)).longValue();
    }

    /** The MIME type of the current stream, e.g. {@code video/mp4; codecs="avc1.640028"}; null before a key frame. */
    public String mime() {
        return sps == null ? null : "video/mp4; codecs=\"" + codecString(sps) + "\"";
    }

    /** {@code avc1.PPCCLL}: the SPS's profile, constraint flags and level (RFC 6381). */
    static String codecString(byte[] sps) {
        return String.format("avc1.%02X%02X%02X", sps[1] & 0xff, sps[2] & 0xff, sps[3] & 0xff);
    }

    // ---- NAL units

    private static int type(byte[] nal) {
        return nal.length == 0 ? -1 : nal[0] & 0x1f;
    }

    /** The NAL units of an access unit: Annex B (start codes) or length-prefixed (4-byte lengths). */
    static List<byte[]> nals(byte[] data) {
        List<byte[]> out = new ArrayList<>();
        if (isAnnexB(data)) {
            int i = 0;
            int start = -1;
            while (i + 2 < data.length) {
                if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
                    if (start >= 0) {
                        add(out, data, start, trimZeros(data, start, i));
                    }
                    i += 3;
                    start = i;
                } else {
                    i++;
                }
            }
            if (start >= 0) {
                add(out, data, start, data.length);
            }
        } else {
            int i = 0;
            while (i + 4 <= data.length) {
                int n = ((data[i] & 0xff) << 24) | ((data[i + 1] & 0xff) << 16) | ((data[i + 2] & 0xff) << 8)
                        | (data[i + 3] & 0xff);
                i += 4;
                if (n <= 0 || n > data.length - i) {
                    break; // malformed: what was read so far is kept
                }
                add(out, data, i, i + n);
                i += n;
            }
        }
        return out;
    }

    private static boolean isAnnexB(byte[] d) {
        return d.length >= 3 && d[0] == 0 && d[1] == 0 && (d[2] == 1 || (d.length >= 4 && d[2] == 0 && d[3] == 1));
    }

    /** The end of a NAL unit before the next start code: a 4-byte start code's leading zero is not the NAL's. */
    private static int trimZeros(byte[] d, int start, int end) {
        while (end > start && d[end - 1] == 0) {
            end--;
        }
        return end;
    }

    private static void add(List<byte[]> out, byte[] d, int from, int to) {
        if (to > from && (d[from] & 0x1f) != 9) { // access unit delimiters carry nothing MSE needs
            out.add(Arrays.copyOfRange(d, from, to));
        }
    }

    /** The SPS and PPS of extradata: Annex B, or an {@code avcC} record. */
    static List<byte[]> extradataNals(byte[] x) {
        if (x == null || x.length == 0) {
            return List.of();
        }
        if (x[0] != 1) {
            return nals(x);
        }
        List<byte[]> out = new ArrayList<>();
        try {
            int i = 5;
            for (int set = 0; set < 2; set++) {
                int count = set == 0 ? x[i++] & 0x1f : x[i++] & 0xff;
                for (int k = 0; k < count; k++) {
                    int n = ((x[i] & 0xff) << 8) | (x[i + 1] & 0xff);
                    out.add(Arrays.copyOfRange(x, i + 2, i + 2 + n));
                    i += 2 + n;
                }
            }
        } catch (ArrayIndexOutOfBoundsException e) {
            // a truncated record: what was read is kept, the rest comes in band
        }
        return out;
    }

    // ---- boxes

    private Init init() {
        Boxes b = new Boxes();
        b.open("ftyp").ascii("iso5").u32(512).ascii("iso5").ascii("iso6").ascii("mp41").close();
        b.open("moov");
        b.full("mvhd", 0, 0).u32(0).u32(0).u32(1000).u32(0).u32(0x00010000).u16(0x0100).zeros(10).matrix().zeros(24)
                .u32(2).close();
        b.open("trak");
        b.full("tkhd", 0, 3).u32(0).u32(0).u32(1).u32(0).u32(0).zeros(8).u16(0).u16(0).u16(0).u16(0).matrix()
                .u32(width << 16).u32(height << 16).close();
        b.open("mdia");
        b.full("mdhd", 0, 0).u32(0).u32(0).u32(TIMESCALE).u32(0).u16(0x55c4).u16(0).close(); // language "und"
        b.full("hdlr", 0, 0).u32(0).ascii("vide").zeros(12).ascii("Vigil").u8(0).close();
        b.open("minf");
        b.full("vmhd", 0, 1).zeros(8).close();
        b.open("dinf").full("dref", 0, 0).u32(1).full("url ", 0, 1).close().close().close();
        b.open("stbl");
        b.full("stsd", 0, 0).u32(1);
        b.open("avc1").zeros(6).u16(1).zeros(16).u16(width).u16(height).u32(0x00480000).u32(0x00480000).u32(0).u16(1)
                .zeros(32).u16(0x18).u16(0xffff);
        b.open("avcC").u8(1).u8(sps[1]).u8(sps[2]).u8(sps[3]).u8(0xff).u8(0xe1).u16(sps.length).bytes(sps).u8(1)
                .u16(pps.length).bytes(pps).close();
        b.close(); // avc1
        b.close(); // stsd
        b.full("stts", 0, 0).u32(0).close();
        b.full("stsc", 0, 0).u32(0).close();
        b.full("stsz", 0, 0).u32(0).u32(0).close();
        b.full("stco", 0, 0).u32(0).close();
        b.close(); // stbl
        b.close(); // minf
        b.close(); // mdia
        b.close(); // trak
        b.open("mvex").full("trex", 0, 0).u32(1).u32(1).u32(0).u32(0).u32(NON_SYNC).close().close();
        b.close(); // moov
        return new Init(b.bytes(), mime(), width, height);
    }

    private byte[] fragment(List<byte[]> nals, boolean key, long at, long duration, long compositionOffset) {
        int payload = 0;
        for (byte[] n : nals) {
            payload += 4 + n.length;
        }
        boolean cto = compositionOffset != 0;
        Boxes b = new Boxes();
        b.open("moof");
        b.full("mfhd", 0, 0).u32(++sequence).close();
        b.open("traf");
        b.full("tfhd", 0, 0x020000).u32(1).close();
        b.full("tfdt", 1, 0).u64(at).close();
        b.full("trun", cto ? 1 : 0, 0x000701 | (cto ? 0x000800 : 0)).u32(1);
        int dataOffsetAt = b.position();
        b.u32(0).u32((int) duration).u32(payload).u32(key ? SYNC : NON_SYNC);
        if (cto) {
            b.u32((int) compositionOffset);
        }
        b.close(); // trun
        b.close(); // traf
        b.close(); // moof
        int moofSize = b.position();
        b.patch(dataOffsetAt, moofSize + 8);
        b.u32(8 + payload).ascii("mdat");
        for (byte[] n : nals) {
            b.u32(n.length).bytes(n);
        }
        return b.bytes();
    }

    /** A byte writer with nested boxes whose sizes are filled in when they close. */
    private static final class Boxes {
        private byte[] buf = new byte[1024];
        private int pos;
        private final int[] open = new int[16];
        private int depth;

        Boxes open(String type) {
            open[depth++] = pos;
            return u32(0).ascii(type);
        }

        Boxes full(String type, int version, int flags) {
            return open(type).u32((version << 24) | flags);
        }

        Boxes close() {
            int start = open[--depth];
            patch(start, pos - start);
            return this;
        }

        int position() {
            return pos;
        }

        void patch(int at, int v) {
            buf[at] = (byte) (v >>> 24);
            buf[at + 1] = (byte) (v >>> 16);
            buf[at + 2] = (byte) (v >>> 8);
            buf[at + 3] = (byte) v;
        }

        private void room(int n) {
            if (pos + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
            }
        }

        Boxes u8(int v) {
            room(1);
            buf[pos++] = (byte) v;
            return this;
        }

        Boxes u16(int v) {
            return u8(v >>> 8).u8(v);
        }

        Boxes u32(int v) {
            room(4);
            patch(pos, v);
            pos += 4;
            return this;
        }

        Boxes u64(long v) {
            return u32((int) (v >>> 32)).u32((int) v);
        }

        Boxes zeros(int n) {
            room(n);
            pos += n; // the buffer is zeroed when it grows, and never written behind pos
            return this;
        }

        Boxes ascii(String s) {
            return bytes(s.getBytes(StandardCharsets.US_ASCII));
        }

        Boxes bytes(byte[] b) {
            room(b.length);
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
            return this;
        }

        /** The unity matrix of mvhd and tkhd. */
        Boxes matrix() {
            return u32(0x00010000).u32(0).u32(0).u32(0).u32(0x00010000).u32(0).u32(0).u32(0).u32(0x40000000);
        }

        byte[] bytes() {
            return Arrays.copyOf(buf, pos);
        }
    }
}
