package org.vigil.capture.source.rtsp;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Turns a camera's RTP packets back into access units (one picture each), the way FFmpeg's RTSP demuxer hands them
 * out: Annex B byte streams (each NAL unit after a four-byte start code), stamped with the RTP time. H.264 (RFC 6184:
 * single NAL units, STAP-A, FU-A) and H.265 (RFC 7798: single NAL units, aggregation packets, fragmentation units,
 * without DONL). An access unit ends at the marker bit, or when a packet with a new timestamp arrives first. A fragment
 * whose start was lost is dropped, so that a damaged NAL unit never reaches the decoder or the recording looking whole;
 * the rest of its picture is kept, as FFmpeg keeps it.
 */
final class Depacketizer {

    /** One picture, complete. */
    record AccessUnit(byte[] data, long rtpTime, boolean keyFrame) {
    }

    private static final byte[] START = {0, 0, 0, 1};
    private static final int MAX_UNIT = 16 << 20;

    private final boolean hevc;
    private byte[] buf = new byte[64 * 1024];
    private int len;
    private boolean pending;
    private long time;
    private boolean key;
    private boolean inFragment;
    private byte[] sps;
    private byte[] pps;
    private byte[] vps;
    private int lastSeq = -1;
    private long lost;
    private final ArrayDeque<AccessUnit> done = new ArrayDeque<>(4);

    Depacketizer(boolean hevc) {
        this.hevc = hevc;
    }

    /** RTP sequence numbers that never arrived, so far. */
    long lostPackets() {
        return lost;
    }

    /** Takes one RTP payload; the pictures it completed wait in {@link #poll()}. */
    void accept(byte[] payload, int off, int length, int seq, long rtpTime, boolean marker) {
        if (lastSeq >= 0) {
            int gap = (seq - lastSeq - 1) & 0xFFFF;
            if (gap != 0 && gap < 0x8000) {
                lost += gap;
                inFragment = false;
            }
        }
        lastSeq = seq;
        if (pending && rtpTime != time) {
            finish(); // the last picture's marker was lost
        }
        if (!pending) {
            pending = true;
            time = rtpTime;
        }
        if (length > 0) {
            if (hevc) {
                h265(payload, off, length);
            } else {
                h264(payload, off, length);
            }
        }
        if (marker) {
            finish();
        }
    }

    /** The oldest completed picture not yet taken, or null. */
    AccessUnit poll() {
        return done.poll();
    }

    private void finish() {
        pending = false;
        inFragment = false;
        if (len == 0) {
            key = false;
            return;
        }
        done.add(new AccessUnit(Arrays.copyOf(buf, len), time, key));
        len = 0;
        key = false;
    }

    private void h264(byte[] p, int off, int length) {
        int type = p[off] & 0x1F;
        if (type >= 1 && type <= 23) {
            nal(p, off, length);
        } else if (type == 24) { // STAP-A
            aggregated(p, off + 1, off + length, 1);
        } else if (type == 28 && length > 2) { // FU-A
            int header = p[off + 1] & 0xFF;
            int nalType = header & 0x1F;
            if ((header & 0x80) != 0) {
                startCode();
                put((byte) ((p[off] & 0xE0) | nalType));
                noteType(nalType, null, 0, 0);
                inFragment = true;
            }
            if (inFragment) {
                put(p, off + 2, length - 2);
            }
            if ((header & 0x40) != 0) {
                inFragment = false;
            }
        }
        // STAP-B, MTAP and FU-B belong to the interleaved mode, which Vigil does not ask for; type 0 and 30-31 are
        // unspecified: skipped
    }

    private void h265(byte[] p, int off, int length) {
        if (length < 2) {
            return;
        }
        int type = (p[off] >> 1) & 0x3F;
        if (type < 48) {
            nal(p, off, length);
        } else if (type == 48) { // aggregation packet
            aggregated(p, off + 2, off + length, 2);
        } else if (type == 49 && length > 3) { // fragmentation unit
            int header = p[off + 2] & 0xFF;
            int nalType = header & 0x3F;
            if ((header & 0x80) != 0) {
                startCode();
                put((byte) ((p[off] & 0x81) | (nalType << 1)));
                put(p[off + 1]);
                noteType(nalType, null, 0, 0);
                inFragment = true;
            }
            if (inFragment) {
                put(p, off + 3, length - 3);
            }
            if ((header & 0x40) != 0) {
                inFragment = false;
            }
        }
    }

    /** NAL units each after its 16-bit size, from {@code i} to {@code end}; a size shorter than a NAL header or past the end stops it. */
    private void aggregated(byte[] p, int i, int end, int minSize) {
        while (i + 2 <= end) {
            int size = ((p[i] & 0xFF) << 8) | (p[i + 1] & 0xFF);
            i += 2;
            if (size < minSize || i + size > end) {
                return;
            }
            nal(p, i, size);
            i += size;
        }
    }

    private void nal(byte[] p, int off, int length) {
        int type = hevc ? (p[off] >> 1) & 0x3F : p[off] & 0x1F;
        startCode();
        put(p, off, length);
        noteType(type, p, off, length);
    }

    /** Key frames and parameter sets; {@code p} is null for a fragment's first piece (parameter sets are never split in practice). */
    private void noteType(int type, byte[] p, int off, int length) {
        if (hevc) {
            if (type >= 16 && type <= 21) {
                key = true;
            } else if (p != null && type >= 32 && type <= 34) {
                byte[] set = Arrays.copyOfRange(p, off, off + length);
                switch (type) {
                    case 32 -> vps = set;
                    case 33 -> sps = set;
                    default -> pps = set;
                }
            }
        } else if (type == 5) {
            key = true;
        } else if (p != null && type == 6 && recoveryPoint(p, off, length)) {
            key = true;
        } else if (p != null && (type == 7 || type == 8)) {
            byte[] set = Arrays.copyOfRange(p, off, off + length);
            if (type == 7) {
                sps = set;
            } else {
                pps = set;
            }
        }
    }

    /** Whether an H.264 SEI NAL unit carries a recovery point (payload type 6): a picture a decoder can start at. */
    private static boolean recoveryPoint(byte[] p, int off, int length) {
        int i = off + 1;
        int end = off + length;
        while (i < end && (p[i] & 0xFF) != 0x80) { // 0x80: rbsp trailing bits
            int payloadType = 0;
            while (i < end && (p[i] & 0xFF) == 0xFF) {
                payloadType += 255;
                i++;
            }
            if (i >= end) {
                return false;
            }
            payloadType += p[i++] & 0xFF;
            int size = 0;
            while (i < end && (p[i] & 0xFF) == 0xFF) {
                size += 255;
                i++;
            }
            if (i >= end) {
                return false;
            }
            size += p[i++] & 0xFF;
            if (payloadType == 6) {
                return true;
            }
            i += size; // emulation prevention bytes inside a payload are rare enough to ignore for this scan
        }
        return false;
    }

    /** The parameter sets seen so far, in decoder order (VPS, SPS, PPS; SPS, PPS for H.264), or null while one is missing. */
    byte[][] parameterSets() {
        if (sps == null || pps == null || (hevc && vps == null)) {
            return null;
        }
        return hevc ? new byte[][] {vps, sps, pps} : new byte[][] {sps, pps};
    }

    /** Parameter sets announced out of band (the SDP's sprop-*), as if they had arrived in the stream. */
    void announce(byte[] set) {
        if (set.length == 0) {
            return;
        }
        noteType(hevc ? (set[0] >> 1) & 0x3F : set[0] & 0x1F, set, 0, set.length);
    }

    private void startCode() {
        put(START, 0, START.length);
    }

    private void put(byte v) {
        ensure(1);
        buf[len++] = v;
    }

    private void put(byte[] p, int off, int n) {
        ensure(n);
        System.arraycopy(p, off, buf, len, n);
        len += n;
    }

    private void ensure(int n) {
        if (len + n > buf.length) {
            if (len + n > MAX_UNIT) {
                throw new IllegalStateException("an access unit larger than " + (MAX_UNIT >> 20) + " MB");
            }
            buf = Arrays.copyOf(buf, Math.min(MAX_UNIT, Math.max(buf.length * 2, len + n)));
        }
    }
}
