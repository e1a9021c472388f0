package org.vigil.capture.source.rtsp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;

import org.junit.jupiter.api.Test;

/** RTP payloads back into pictures: the packet shapes of RFC 6184 and RFC 7798, and what a lost packet does. */
class DepacketizerTest {

    private static final byte[] IDR = nal(0x65, 3000);
    private static final byte[] SPS = {0x67, 0x42, 0x00, 0x1e, (byte) 0x95, (byte) 0xa0, 0x50, 0x1e, (byte) 0xc8};
    private static final byte[] PPS = {0x68, (byte) 0xce, 0x3c, (byte) 0x80};

    @Test
    void aFragmentedPictureWithAggregatedParameterSetsComesBackAsOneAnnexBUnit() {
        Depacketizer d = new Depacketizer(false);
        d.accept(stapA(SPS, PPS), 0, stapA(SPS, PPS).length, 1, 9000, false);
        byte[][] fus = fuA(IDR, 1000);
        for (int i = 0; i < fus.length; i++) {
            d.accept(fus[i], 0, fus[i].length, 2 + i, 9000, i == fus.length - 1);
        }
        Depacketizer.AccessUnit au = d.poll();
        assertThat(au).isNotNull();
        assertThat(au.keyFrame()).isTrue();
        assertThat(au.rtpTime()).isEqualTo(9000);
        assertThat(au.data()).isEqualTo(annexB(SPS, PPS, IDR));
        assertThat(d.poll()).isNull();
        assertThat(d.parameterSets()).isNotNull();
        assertThat(d.parameterSets()[0]).isEqualTo(SPS);
        assertThat(d.lostPackets()).isZero();
    }

    @Test
    void aPictureWhoseMarkerWasLostEndsWhenTheNextTimeArrives() {
        Depacketizer d = new Depacketizer(false);
        byte[] p1 = nal(0x41, 500);
        byte[] p2 = nal(0x41, 600);
        d.accept(p1, 0, p1.length, 10, 100, false); // marker lost
        assertThat(d.poll()).isNull();
        d.accept(p2, 0, p2.length, 11, 200, true);
        Depacketizer.AccessUnit first = d.poll();
        Depacketizer.AccessUnit second = d.poll();
        assertThat(first.data()).isEqualTo(annexB(p1));
        assertThat(first.keyFrame()).isFalse();
        assertThat(second.data()).isEqualTo(annexB(p2));
        assertThat(second.rtpTime()).isEqualTo(200);
    }

    @Test
    void aNalUnitWhoseFirstFragmentWasLostIsDroppedAndTheGapCounted() {
        Depacketizer d = new Depacketizer(false);
        byte[] whole = nal(0x41, 400);
        byte[][] fus = fuA(IDR, 1000);
        d.accept(whole, 0, whole.length, 1, 100, false);
        // the first fragment (sequence 2) never arrives
        d.accept(fus[1], 0, fus[1].length, 3, 100, false);
        d.accept(fus[2], 0, fus[2].length, 4, 100, true);
        Depacketizer.AccessUnit au = d.poll();
        assertThat(au.data()).isEqualTo(annexB(whole));
        assertThat(d.lostPackets()).isEqualTo(1);
    }

    @Test
    void sequenceNumbersWrapWithoutCountingALoss() {
        Depacketizer d = new Depacketizer(false);
        byte[] p = nal(0x41, 10);
        d.accept(p, 0, p.length, 65535, 1, true);
        d.accept(p, 0, p.length, 0, 2, true);
        assertThat(d.lostPackets()).isZero();
        assertThat(d.poll()).isNotNull();
        assertThat(d.poll()).isNotNull();
    }

    @Test
    void h265FragmentsAndAggregationPacketsAreReassembled() {
        Depacketizer d = new Depacketizer(true);
        byte[] vps = {0x40, 0x01, 0x0c, 0x01};
        byte[] sps = {0x42, 0x01, 0x01, 0x01};
        byte[] pps = {0x44, 0x01, (byte) 0xc1};
        byte[] idr = nal2(19, 2500); // IDR_W_RADL
        ByteArrayOutputStream ap = new ByteArrayOutputStream();
        ap.write(48 << 1);
        ap.write(1);
        for (byte[] n : new byte[][] {vps, sps, pps}) {
            ap.write(n.length >> 8);
            ap.write(n.length);
            ap.writeBytes(n);
        }
        byte[] agg = ap.toByteArray();
        d.accept(agg, 0, agg.length, 7, 5, false);
        int seq = 8;
        int chunk = 1000;
        for (int i = 2; i < idr.length; i += chunk) {
            int end = Math.min(idr.length, i + chunk);
            byte[] fu = new byte[3 + end - i];
            fu[0] = (byte) ((idr[0] & 0x81) | (49 << 1));
            fu[1] = idr[1];
            fu[2] = (byte) ((i == 2 ? 0x80 : 0) | (end == idr.length ? 0x40 : 0) | 19);
            System.arraycopy(idr, i, fu, 3, end - i);
            d.accept(fu, 0, fu.length, seq++, 5, end == idr.length);
        }
        Depacketizer.AccessUnit au = d.poll();
        assertThat(au.keyFrame()).isTrue();
        assertThat(au.data()).isEqualTo(annexB(vps, sps, pps, idr));
        assertThat(d.parameterSets()).hasNumberOfRows(3);
    }

    @Test
    void frameRateIsTheClockOverTheMedianStep() {
        assertThat(RtspSource.frameRate(java.util.List.of(0L, 6000L, 12000L, 18000L, 30000L, 36000L), 90000))
                .containsExactly(15, 1);
        assertThat(RtspSource.frameRate(java.util.List.of(0L, 3003L, 6006L, 9009L), 90000)).containsExactly(30000,
                1001);
        // RTP time wraps past 2^32
        assertThat(RtspSource.frameRate(java.util.List.of(4294964296L, 1704L, 7704L), 90000)).containsExactly(15, 1);
        assertThat(RtspSource.frameRate(java.util.List.of(0L, 10L, 20L, 30L), 90000)).containsExactly(0, 1);
    }

    private static byte[] nal(int header, int size) {
        byte[] n = new byte[size];
        n[0] = (byte) header;
        for (int i = 1; i < size; i++) {
            n[i] = (byte) (i * 31 + 7);
        }
        return n;
    }

    private static byte[] nal2(int type, int size) {
        byte[] n = nal(type << 1, size);
        n[1] = 1;
        return n;
    }

    private static byte[] stapA(byte[]... nals) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(24);
        for (byte[] n : nals) {
            out.write(n.length >> 8);
            out.write(n.length);
            out.writeBytes(n);
        }
        return out.toByteArray();
    }

    private static byte[][] fuA(byte[] nal, int chunk) {
        int pieces = (nal.length - 1 + chunk - 1) / chunk;
        byte[][] out = new byte[pieces][];
        for (int p = 0; p < pieces; p++) {
            int from = 1 + p * chunk;
            int to = Math.min(nal.length, from + chunk);
            byte[] fu = new byte[2 + to - from];
            fu[0] = (byte) ((nal[0] & 0xE0) | 28);
            fu[1] = (byte) ((p == 0 ? 0x80 : 0) | (p == pieces - 1 ? 0x40 : 0) | (nal[0] & 0x1F));
            System.arraycopy(nal, from, fu, 2, to - from);
            out[p] = fu;
        }
        return out;
    }

    private static byte[] annexB(byte[]... nals) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] n : nals) {
            out.writeBytes(new byte[] {0, 0, 0, 1});
            out.writeBytes(n);
        }
        return out.toByteArray();
    }
}
