package org.vigil.recorder.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.MediaPacket;
import org.vigil.contracts.StreamParams;
import org.vigil.devstack.testing.TestClips;

/** What the start-up reconcile makes of the files a crash can leave, written by the real segment code. */
class ReconcilerTest {

    private static final int FPS = 10;
    private static TestClips.Clip clip;
    private static StreamParams params;
    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private static final CameraConfig CAMERA = new CameraConfig(CameraConfig.VERSION, "cam", "cam", "hq", "test:", null,
            true, 0.5, null, null, T0, "test");

    @TempDir
    Path root;

    @BeforeAll
    static void clip() {
        clip = TestClips.h264(4, FPS, 160, 96, FPS);
        params = new StreamParams("h264", clip.width(), clip.height(), FPS, 1, clip.extradata());
    }

    private static MediaPacket packet(String session, int i) {
        TestClips.ClipPacket p = clip.packets().get(i);
        Instant wall = T0.plusMillis(100L * i);
        return new MediaPacket("cam", session, i, i, i, 1, FPS, p.keyFrame(), ChronoUnit.MICROS.between(Instant.EPOCH,
                wall), "h264", p.keyFrame() ? params : null, p.data());
    }

    /** Writes packets {@code 0..n-1} into one open segment and leaves it as a crash would. */
    private SegmentFiles crashAfter(int n) throws Exception {
        CameraRecording rec = new CameraRecording("cam", Duration.ofMinutes(10), FPS);
        for (int i = 0; i < n; i++) {
            assertThat(rec.accept(packet("s1", i), i, CAMERA, root).outcome()).isEqualTo(CameraRecording.Outcome.WRITTEN);
        }
        rec.abandon();
        try (Stream<Path> s = Files.walk(root)) {
            return SegmentFiles.of(s.filter(p -> p.toString().endsWith(".avi.partial")).findFirst().orElseThrow());
        }
    }

    @Test
    void aSegmentInterruptedByACrashIsRecoveredUpToItsIndexAndDecodes() throws Exception {
        SegmentFiles files = crashAfter(25);

        Reconciler.Report report = Reconciler.reconcile(root);

        assertThat(report.recovered()).isEqualTo(1);
        assertThat(report.quarantined()).isZero();
        assertThat(files.partialVideo()).doesNotExist();
        assertThat(files.video()).exists();
        FrameIndex.Contents index = FrameIndex.read(files.partialIndex());
        // the frame index reached the file at key frames: at least the first two whole seconds are known
        assertThat(index.frames().size()).isBetween(20, 25);
        assertThat(TestClips.decodedFrames(files.video())).isEqualTo(index.frames().size());
        assertThat(report.toAnnounce()).singleElement().satisfies(c -> {
            assertThat(c.segment().frames()).isEqualTo(index.frames().size());
            assertThat(c.segment().startedAt()).isEqualTo(T0);
            assertThat(c.segment().sha256()).isEqualTo(CameraRecording.sha256(files.video()));
        });
        long lastSeq = index.frames().get(index.frames().size() - 1).seq();
        assertThat(report.lastWritten()).containsEntry("cam", java.util.Map.of("s1", lastSeq));
    }

    @Test
    void aPartialVideoWithoutItsIndexGoesToQuarantineWithItsRelativePath() throws Exception {
        SegmentFiles files = crashAfter(12);
        Files.delete(files.partialIndex());

        Reconciler.Report report = Reconciler.reconcile(root);

        assertThat(report.quarantined()).isEqualTo(1);
        assertThat(report.toAnnounce()).isEmpty();
        assertThat(files.partialVideo()).doesNotExist();
        assertThat(root.resolve(Reconciler.QUARANTINE).resolve(root.relativize(files.partialVideo()))).exists();
    }

    @Test
    void anUnreadableVideoGoesToQuarantineWithItsIndex() throws Exception {
        SegmentFiles files = crashAfter(12);
        Files.write(files.partialVideo(), new byte[] {1, 2, 3, 4, 5});

        Reconciler.Report report = Reconciler.reconcile(root);

        assertThat(report.quarantined()).isEqualTo(1);
        Path q = root.resolve(Reconciler.QUARANTINE);
        assertThat(q.resolve(root.relativize(files.partialVideo()))).exists();
        assertThat(q.resolve(root.relativize(files.partialIndex()))).exists();
        assertThat(files.partialIndex()).doesNotExist();
    }

    @Test
    void hiddenDirectoriesLikeTheAuditSpoolAreNeverTakenForSites() throws Exception {
        SegmentFiles files = crashAfter(12);
        // a crash's leftovers in the shape of a site, under the audit spool's hidden name: never the recorder's to touch
        Path hidden = root.resolve(".audit-spool");
        Files.move(root.resolve(root.relativize(files.partialVideo()).getName(0)), hidden);
        java.util.List<Path> before = regularFiles(hidden);

        Reconciler.Report report = Reconciler.reconcile(root);

        assertThat(report.recovered()).isZero();
        assertThat(report.quarantined()).isZero();
        assertThat(report.toAnnounce()).isEmpty();
        assertThat(report.lastWritten()).isEmpty();
        assertThat(regularFiles(hidden)).hasSize(2).isEqualTo(before);
        assertThat(root.resolve(Reconciler.QUARANTINE)).doesNotExist();
    }

    private static java.util.List<Path> regularFiles(Path dir) throws java.io.IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    @Test
    void aDurableSegmentNotYetAnnouncedIsAnnouncedAgainUntouched() throws Exception {
        CameraRecording rec = new CameraRecording("cam", Duration.ofMinutes(10), FPS);
        for (int i = 0; i < 30; i++) {
            rec.accept(packet("s1", i), i, CAMERA, root);
        }
        CameraRecording.Closed closed = rec.close().orElseThrow();
        String sha = CameraRecording.sha256(closed.files().video());

        Reconciler.Report report = Reconciler.reconcile(root);

        assertThat(report.recovered()).isZero();
        assertThat(report.toAnnounce()).singleElement().satisfies(c -> {
            assertThat(c.segment()).isEqualTo(closed.segment());
        });
        assertThat(CameraRecording.sha256(closed.files().video())).isEqualTo(sha);

        closed.files().markAnnounced();
        assertThat(Reconciler.reconcile(root).toAnnounce()).isEmpty();
    }

    @Test
    void packetsAlreadyOnDiskAreDuplicatesAfterARestart() throws Exception {
        CameraRecording rec = new CameraRecording("cam", Duration.ofMinutes(10), FPS);
        for (int i = 0; i < 20; i++) {
            rec.accept(packet("s1", i), i, CAMERA, root);
        }
        rec.close().orElseThrow().files().markAnnounced();

        CameraRecording restarted = new CameraRecording("cam", Duration.ofMinutes(10), FPS);
        Reconciler.reconcile(root).lastWritten().get("cam").forEach(restarted::resumeAfter);

        assertThat(restarted.accept(packet("s1", 19), 19, CAMERA, root).outcome())
                .isEqualTo(CameraRecording.Outcome.DUPLICATE);
        assertThat(restarted.accept(packet("s1", 20), 20, CAMERA, root).outcome())
                .isEqualTo(CameraRecording.Outcome.WRITTEN);
    }

    @Test
    void aChangeOfStreamParametersStartsANewSegmentAndAGapCutsTheSegment() throws Exception {
        CameraRecording rec = new CameraRecording("cam", Duration.ofMinutes(10), FPS);
        for (int i = 0; i < 15; i++) {
            assertThat(rec.accept(packet("s1", i), i, CAMERA, root).closed()).isEmpty();
        }
        // same session, a key frame announcing another picture size
        StreamParams bigger = new StreamParams("h264", 320, 180, FPS, 1, clip.extradata());
        TestClips.ClipPacket k = clip.packets().get(20);
        MediaPacket changed = new MediaPacket("cam", "s1", 15, 15, 15, 1, FPS, true, ChronoUnit.MICROS.between(
                Instant.EPOCH, T0.plusMillis(1500)), "h264", bigger, k.data());
        CameraRecording.Result r = rec.accept(changed, 15, CAMERA, root);
        assertThat(r.closed()).hasValueSatisfying(c -> assertThat(c.segment().frames()).isEqualTo(15));

        // packets 16..29 lost: the next one is counted as a gap and starts a segment of its own
        CameraRecording.Result afterGap = rec.accept(packet("s1", 30), 30, CAMERA, root);
        assertThat(afterGap.lostBefore()).isEqualTo(14);
        assertThat(afterGap.closed()).hasValueSatisfying(c -> assertThat(c.segment().width()).isEqualTo(320));
    }

    @Test
    void unsupportedStreamsAreRefusedWithoutTouchingTheDisk() throws Exception {
        CameraRecording rec = new CameraRecording("cam", Duration.ofMinutes(10), FPS);
        StreamParams weird = new StreamParams("no-such-codec", 160, 96, FPS, 1, new byte[0]);
        MediaPacket p = new MediaPacket("cam", "s1", 0, 0, 0, 1, FPS, true, 0, "no-such-codec", weird, new byte[10]);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> rec.accept(p, 0, CAMERA, root))
                .isInstanceOf(SegmentWriter.Unsupported.class);
        try (Stream<Path> s = Files.walk(root)) {
            assertThat(s.filter(Files::isRegularFile).toList()).isEmpty();
        }
    }
}
