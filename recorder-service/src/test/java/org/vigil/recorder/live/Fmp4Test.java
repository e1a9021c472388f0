package org.vigil.recorder.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vigil.devstack.testing.TestClips;

/**
 * The fMP4 writer checked by FFmpeg's own demuxer and decoder: what it writes opens as an MP4 of the camera's codec
 * and size, every frame decodes without error, at the times the packets carried.
 */
class Fmp4Test {

    private static final int TB = Fmp4.TIMESCALE;

    @TempDir
    Path dir;

    /** Feeds a clip's packets at {@code fps} from frame {@code from}; returns the init segments and fragments written. */
    private static List<Fmp4.Output> mux(Fmp4 fmp4, TestClips.Clip clip, int from, long ticksPerFrame) {
        List<Fmp4.Output> out = new ArrayList<>();
        for (int i = from; i < clip.packets().size(); i++) {
            TestClips.ClipPacket p = clip.packets().get(i);
            long t = i * ticksPerFrame;
            out.add(fmp4.accept(clip.width(), clip.height(), clip.extradata(), p.data(), t, t, 1, TB, p.keyFrame()));
        }
        return out;
    }

    private Path file(List<Fmp4.Output> outputs) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (Fmp4.Output o : outputs) {
            if (o.init() != null) {
                b.write(o.init().bytes());
            }
            if (o.fragment() != null) {
                b.write(o.fragment());
            }
        }
        return Files.write(dir.resolve("live-" + System.nanoTime() + ".mp4"), b.toByteArray());
    }

    @Test
    void aCameraStreamBecomesFragmentedMp4ThatFfmpegDecodesFrameForFrameAtThePacketsTimes() throws Exception {
        TestClips.Clip clip = TestClips.h264(3, 10, 320, 180, 10); // Annex B, SPS and PPS in band, no extradata
        Fmp4 fmp4 = new Fmp4(10);
        List<Fmp4.Output> out = mux(fmp4, clip, 0, TB / 10);

        assertThat(out.get(0).init()).as("an init segment with the first key frame").isNotNull();
        assertThat(out.get(0).init().mime()).startsWith("video/mp4; codecs=\"avc1.").endsWith("\"");
        assertThat(out.get(0).init().width()).isEqualTo(320);
        assertThat(out.stream().skip(1).filter(o -> o.init() != null)).as("one init while nothing changes").isEmpty();
        assertThat(out).allMatch(o -> o.fragment() != null);
        assertThat(out.stream().map(Fmp4.Output::decodeTime).toList()).isSorted()
                .startsWith(0L, 9_000L, 18_000L);

        Path mp4 = file(out);
        TestClips.Clip back = TestClips.packets(mp4);
        assertThat(back.codec()).isEqualTo("h264");
        assertThat(back.width()).isEqualTo(320);
        assertThat(back.height()).isEqualTo(180);
        assertThat(back.packets()).hasSize(clip.packets().size());
        for (int i = 0; i < clip.packets().size(); i++) {
            assertThat(back.packets().get(i).keyFrame()).as("frame %d's key flag", i)
                    .isEqualTo(clip.packets().get(i).keyFrame());
        }
        List<Double> times = TestClips.decodedFrameTimes(mp4);
        assertThat(times).hasSize(clip.packets().size());
        for (int i = 0; i < times.size(); i++) {
            assertThat(times.get(i)).as("frame %d's time", i).isCloseTo(i * 0.1, org.assertj.core.data.Offset.offset(1e-6));
        }
    }

    @Test
    void framesBeforeTheFirstKeyFrameAreDroppedAndTheStreamStartsAtIt() throws Exception {
        TestClips.Clip clip = TestClips.h264(3, 10, 320, 180, 10); // key frames at 0, 10, 20
        List<Fmp4.Output> out = mux(new Fmp4(10), clip, 4, TB / 10);
        assertThat(out.subList(0, 6)).allMatch(o -> o.init() == null && o.fragment() == null);
        assertThat(out.get(6).init()).isNotNull();
        assertThat(out.get(6).key()).isTrue();
        assertThat(out.get(6).decodeTime()).as("the stream's own time starts at 0").isZero();
        assertThat(TestClips.decodedFrames(file(out))).isEqualTo(clip.packets().size() - 10);
    }

    @Test
    void timeNeverGoesBackAndAGapOrJumpTakesTheNominalDuration() {
        TestClips.Clip clip = TestClips.h264(2, 10, 320, 180, 10);
        Fmp4 fmp4 = new Fmp4(10);
        long[] dts = {0, 9_000, 18_000, 5_000 /* back */, 14_000, 14_000 /* none */, 23_000, 23_010 /* 10 ticks */,
            5_000_000 /* a jump */, 5_004_500};
        List<Long> at = new ArrayList<>();
        for (int i = 0; i < dts.length; i++) {
            TestClips.ClipPacket p = clip.packets().get(i);
            at.add(fmp4.accept(320, 180, new byte[0], p.data(), dts[i], dts[i], 1, TB, p.keyFrame()).decodeTime());
        }
        // a frame lasts the gap since the one before it (none is held back for its own), so each starts where the
        // one before it ended; a gap that is no frame's (back in time, none, a jump of more than 10 s) counts as the
        // nominal 1/10 s, and a tiny one as the 1 ms floor
        assertThat(at).containsExactly(0L, 9_000L, 18_000L, 27_000L, 36_000L, 45_000L, 54_000L, 63_000L, 63_090L,
                72_090L);
    }

    @Test
    void theParametersComeFromAnAvccRecordOrAnnexBExtradataAndANewSizeStartsANewInit() throws Exception {
        TestClips.Clip small = TestClips.h264(1, 10, 320, 180, 10);
        TestClips.Clip large = TestClips.h264(1, 10, 640, 360, 10);
        List<byte[]> nals = Fmp4.nals(small.packets().get(0).data());
        byte[] sps = nals.stream().filter(n -> (n[0] & 0x1f) == 7).findFirst().orElseThrow();
        byte[] pps = nals.stream().filter(n -> (n[0] & 0x1f) == 8).findFirst().orElseThrow();
        assertThat(Fmp4.codecString(sps)).matches("avc1\\.[0-9A-F]{6}");
        // an avcC record, as an MP4 or Matroska source's extradata is
        ByteArrayOutputStream avcc = new ByteArrayOutputStream();
        avcc.write(new byte[] {1, sps[1], sps[2], sps[3], (byte) 0xff, (byte) 0xe1, 0, (byte) sps.length});
        avcc.write(sps);
        avcc.write(new byte[] {1, 0, (byte) pps.length});
        avcc.write(pps);
        assertThat(Fmp4.extradataNals(avcc.toByteArray())).hasSize(2);
        assertThat(Fmp4.extradataNals(avcc.toByteArray()).get(0)).isEqualTo(sps);
        // Annex B extradata, as FFmpeg gives an RTSP camera's from its SDP
        byte[] annexB = java.nio.ByteBuffer.allocate(8 + sps.length + pps.length).put(new byte[] {0, 0, 0, 1}).put(sps)
                .put(new byte[] {0, 0, 0, 1}).put(pps).array();
        assertThat(Fmp4.extradataNals(annexB)).containsExactly(sps, pps);
        assertThat(Fmp4.nals(annexB)).as("access unit delimiters are dropped").hasSize(2);

        Fmp4 fmp4 = new Fmp4(10);
        List<Fmp4.Output> out = new ArrayList<>(mux(fmp4, small, 0, TB / 10));
        List<Fmp4.Output> second = new ArrayList<>();
        for (int i = 0; i < large.packets().size(); i++) {
            TestClips.ClipPacket p = large.packets().get(i);
            long t = (small.packets().size() + i) * (long) (TB / 10);
            second.add(fmp4.accept(640, 360, new byte[0], p.data(), t, t, 1, TB, p.keyFrame()));
        }
        assertThat(second.get(0).init()).as("a new size: a new init segment").isNotNull();
        assertThat(second.get(0).init().width()).isEqualTo(640);
        assertThat(second.get(0).decodeTime()).as("time goes on across it").isEqualTo(out.get(out.size() - 1)
                .decodeTime() + TB / 10);
        // from the new init on, what follows is a stream of its own that FFmpeg decodes whole
        assertThat(TestClips.decodedFrames(file(second))).isEqualTo(large.packets().size());
        assertThat(TestClips.packets(file(second)).width()).isEqualTo(640);
    }
}
