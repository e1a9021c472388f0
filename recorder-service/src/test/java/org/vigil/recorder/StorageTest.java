package org.vigil.recorder;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.Alert;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.Json;
import org.vigil.contracts.NodeHeartbeat;
import org.vigil.contracts.SegmentClosed;
import org.vigil.contracts.Topics;
import org.vigil.devstack.testing.KafkaTestResource;
import org.vigil.devstack.testing.TestClips;
import org.vigil.devstack.testing.TestTokens;
import org.vigil.devstack.testing.TokenIssuerTestResource;
import org.vigil.devstack.testing.TopicProbe;

/** The storage API, the free-space floor, a full disk, and packets deleted from Kafka before they were written. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(TokenIssuerTestResource.class)
@SuppressWarnings("unchecked")
class StorageTest extends RecorderTestBase {

    private static final long TEST_FLOOR = 64L << 20;

    @AfterEach
    void restore() {
        setStorage(root.toAbsolutePath().normalize().toString(), TEST_FLOOR).then().statusCode(200);
        eventually("recording resumed", () -> "running".equals(storage().get("state")));
    }

    /** A change as an admin of every site makes it: confirmed when the recorder asks (no retention runs here). */
    private io.restassured.response.Response setStorage(String dir, Long floor) {
        io.restassured.response.Response r = putStorage(admin(), dir, floor, null);
        return r.statusCode() == 409 ? putStorage(admin(), dir, floor, r.path("confirm")) : r;
    }

    private static io.restassured.response.Response putStorage(String token, String dir, Long floor, String confirm) {
        Map<String, Object> body = new java.util.HashMap<>();
        body.put("recordingsDir", dir);
        if (floor != null) {
            body.put("minFreeBytes", floor);
        }
        if (confirm != null) {
            body.put("confirm", confirm);
        }
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body).when()
                .put("/api/recorder/storage");
    }

    @Test
    void onlyAnAdminOfEverySiteChangesStorageAndAChangeThatMayDeleteIsShownFirst() throws Exception {
        String dir = root.toAbsolutePath().normalize().toString();
        String northAdmin = TestTokens.token("nora", "admin", "north");
        // an admin of one site: refused before anything is looked at, and audited as denied
        Instant t0 = Instant.now();
        putStorage(northAdmin, dir, 1L << 30, null).then().statusCode(403).body("error", equalTo("forbidden"));
        putStorage(northAdmin, "/does/not/exist", null, null).then().statusCode(403);
        given().auth().oauth2(northAdmin).when().get("/api/recorder/storage").then().statusCode(403);
        AuditEntry denied = TopicProbe.await(bootstrap, Topics.AUDIT, Duration.ofSeconds(30), r -> {
            AuditEntry e = Json.read(r.value(), AuditEntry.class);
            return e.action().equals("recorder.storage.set") && e.actor().equals("nora") && !e.at().isBefore(t0)
                    ? e : null;
        });
        assertThat(denied.outcome()).isEqualTo("denied");
        assertThat(denied.target()).isEqualTo("setting:recorder.storage");

        // the floor is checked against the volume's size
        long total = ((Number) storage().get("totalBytes")).longValue();
        putStorage(admin(), dir, total, null).then().statusCode(400).body("parameter", equalTo("minFreeBytes"))
                .body("message", org.hamcrest.Matchers.containsString("below the size of the volume"));

        // a higher floor may make retention delete footage: shown first (retention does not run here, so the
        // effect is unknown and says so), made only with the confirmation code, and audited with what was shown
        long floor = TEST_FLOOR * 2;
        io.restassured.response.Response asked = putStorage(admin(), dir, floor, null);
        asked.then().statusCode(409).body("error", equalTo("confirmation_required"))
                .body("message", org.hamcrest.Matchers.containsString("unknown"));
        String code = asked.path("confirm");
        assertThat(storage().get("minFreeBytes")).as("nothing changed yet").isEqualTo((int) TEST_FLOOR);
        putStorage(admin(), dir, floor, "not-the-code").then().statusCode(409);
        putStorage(admin(), dir, floor + 1, code).then().statusCode(409); // a code confirms one change only
        Instant t1 = Instant.now();
        putStorage(admin(), dir, floor, code).then().statusCode(200);
        assertThat(((Number) storage().get("minFreeBytes")).longValue()).isEqualTo(floor);
        AuditEntry made = TopicProbe.await(bootstrap, Topics.AUDIT, Duration.ofSeconds(30), r -> {
            AuditEntry e = Json.read(r.value(), AuditEntry.class);
            return e.action().equals("recorder.storage.set") && e.outcome().equals("success") && !e.at().isBefore(t1)
                    ? e : null;
        });
        assertThat(made.details()).containsEntry("confirmed", "true").containsKey("wouldDelete")
                .containsEntry("minFreeBytes", Long.toString(floor));
        // lowering it again deletes nothing: no question asked
        putStorage(admin(), dir, TEST_FLOOR, null).then().statusCode(200);
    }

    private Map<String, Object> storage() {
        return given().auth().oauth2(admin()).when().get("/api/recorder/storage").then().statusCode(200).extract()
                .jsonPath().getMap("$");
    }

    private Alert awaitAlert(String kind, Alert.State state, Instant after) {
        return TopicProbe.await(bootstrap, Topics.ALERTS, Duration.ofSeconds(60), r -> {
            Alert a = Json.read(r.value(), Alert.class);
            return a.kind().equals(kind) && a.state() == state && !a.at().isBefore(after) ? a : null;
        });
    }

    @Test
    void heartbeatsNameTheSiteAndTellTheRecordingVolumeAndTheCamerasBeingRecorded() throws Exception {
        Instant t0 = Instant.now();
        register("rec-hb", true);
        send("rec-hb", UUID.randomUUID().toString(), 0, 10, Instant.now().minusSeconds(5));
        java.nio.file.FileStore volume = Files.getFileStore(root.toAbsolutePath());
        NodeHeartbeat beat = TopicProbe.await(bootstrap, Topics.NODE_HEARTBEATS, Duration.ofSeconds(30), r -> {
            NodeHeartbeat h = Json.read(r.value(), NodeHeartbeat.class);
            return h.at().isAfter(t0) && h.camerasRecording() >= 1 ? h : null;
        });
        assertThat(beat.site()).isEqualTo("default");
        assertThat(beat.node()).startsWith("recorder-service@");
        assertThat(beat.storageTotalBytes()).isEqualTo(volume.getTotalSpace());
        assertThat(beat.storageFreeBytes()).isPositive().isLessThanOrEqualTo(beat.storageTotalBytes());
    }

    @Test
    void theStorageApiValidatesReportsAndAuditsAndOldSegmentsStayPlayable() throws Exception {
        given().auth().oauth2(TestTokens.token("vera", "viewer", "*")).when().get("/api/recorder/storage").then()
                .statusCode(403);
        Map<String, Object> before = storage();
        assertThat(((Number) before.get("totalBytes")).longValue()).isPositive();
        assertThat(((Number) before.get("freeBytes")).longValue()).isPositive();
        assertThat(before.get("recordingsDir")).isEqualTo(root.toAbsolutePath().normalize().toString());

        Path aFile = Files.createTempFile("not-a-dir", ".txt");
        for (String bad : List.of("relative/dir", "/", "/etc", "/usr/local/recordings", "/does/not/exist",
                aFile.toString())) {
            setStorage(bad, null).then().statusCode(400).body("parameter", equalTo("recordingsDir"));
        }
        setStorage(root.toAbsolutePath().toString(), -1L).then().statusCode(400)
                .body("parameter", equalTo("minFreeBytes"));

        // half of a camera's footage before the switch, half after
        register("rec-s", true);
        Instant base = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).minusSeconds(20);
        String session = UUID.randomUUID().toString();
        send("rec-s", session, 0, 40, base);
        eventually("first half written", () -> framesIn("rec-s") + openFrames("rec-s") == 40);
        Path second = Files.createDirectories(Path.of("target", "recordings-2").toAbsolutePath());
        Instant changed = Instant.now();
        Map<String, Object> after = setStorage(second.toString(), null).then().statusCode(200).extract().jsonPath()
                .getMap("$");
        assertThat(after.get("recordingsDir")).isEqualTo(second.toString());
        assertThat((List<Object>) after.get("formerDirs")).contains(root.toAbsolutePath().normalize().toString());
        assertThat(after.get("updatedBy")).isEqualTo("ada");
        send("rec-s", session, 40, 80, base);

        List<SegmentClosed> segments = segmentsHolding("rec-s", 80);
        assertThat(segments).anySatisfy(s -> assertThat(s.root()).isEqualTo(second.toString()))
                .anySatisfy(s -> assertThat(s.root()).isEqualTo(root.toAbsolutePath().normalize().toString()));
        AuditEntry audit = TopicProbe.await(bootstrap, Topics.AUDIT, Duration.ofSeconds(30), r -> {
            AuditEntry e = Json.read(r.value(), AuditEntry.class);
            return e.action().equals("recorder.storage.set") && e.outcome().equals("success")
                    && "setting:recorder.storage".equals(e.target()) && second.toString().equals(e.details().get("to")) && !e.at().isBefore(changed.minusSeconds(1)) ? e : null;
        });
        assertThat(audit.actor()).isEqualTo("ada");
        assertThat(audit.details()).containsEntry("to", second.toString());

        // playback finds both halves, wherever they are
        byte[] mp4 = given().auth().oauth2(admin()).when().get("/api/recorder/playback/rec-s.mp4?from=" + base
                + "&to=" + base.plusSeconds(8)).then().statusCode(200).extract().asByteArray();
        Path file = Files.createTempFile("both-roots", ".mp4");
        try {
            Files.write(file, mp4);
            assertThat(TestClips.decodedFrames(file)).isEqualTo(80);
        } finally {
            Files.deleteIfExists(file);
        }

        Map<String, Object> report = storage();
        assertThat(((Map<Object, Object>) report.get("bytesPerHour"))).containsKey("rec-s");
        assertThat(((Number) report.get("totalBytesPerHour")).longValue()).isPositive();
        assertThat(((Number) report.get("headroomHours")).doubleValue()).isPositive();
    }

    @Test
    void belowTheFloorRecordingPausesWithAnAlertAndResumesWithNothingLostAndAGapBeyondRetentionIsCounted()
            throws Exception {
        register("rec-g", true);
        String session = UUID.randomUUID().toString();
        Instant base = Instant.now().minusSeconds(10);
        send("rec-g", session, 0, 10, base);
        eventually("first second written", () -> openFrames("rec-g") == 10);

        Instant raisedAfter = Instant.now();
        long total = ((Number) storage().get("totalBytes")).longValue();
        setStorage(root.toAbsolutePath().toString(), total - 1).then().statusCode(200);
        Alert raised = awaitAlert(Alert.LOW_DISK, Alert.State.RAISED, raisedAfter.minusMillis(500));
        assertThat(raised.details()).containsKeys("freeBytes", "minFreeBytes");
        eventually("paused", () -> "paused_low_disk".equals(storage().get("state")));
        // the open segment was closed cleanly before pausing
        assertThat(segmentsHolding("rec-g", 10)).singleElement().satisfies(s -> assertThat(
                TestClips.decodedFrames(Path.of(s.root()).resolve(s.path()))).isEqualTo(10));

        // while paused, footage keeps coming, and Kafka's retention deletes the oldest of it (here: by hand)
        List<RecordMetadata> sent = send("rec-g", session, 10, 60, base);
        assertThat(framesIn("rec-g")).isEqualTo(10);
        long gapBefore = ((Number) storage().get("gapPackets")).longValue();
        RecordMetadata firstKept = sent.get(20); // packet 30, a key frame
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.deleteRecords(Map.of(new TopicPartition(firstKept.topic(), firstKept.partition()),
                    RecordsToDelete.beforeOffset(firstKept.offset()))).all().get();
        }

        Instant clearedAfter = Instant.now();
        setStorage(root.toAbsolutePath().toString(), TEST_FLOOR).then().statusCode(200);
        awaitAlert(Alert.LOW_DISK, Alert.State.CLEARED, clearedAfter.minusMillis(500));

        // 0..9 before the pause, 30..59 after it: 10..29 were deleted before the recorder could write them, unless a
        // fetch the consumer issued before it paused had brought some of them already (a paused consumer keeps what
        // it fetched, and writes it on resuming: a broker's fetch waits up to 2 s for data). Either way every packet
        // is written or counted as lost, never both and never neither
        segmentsHolding("rec-g", 40);
        eventually("every packet written or counted as lost", () -> framesIn("rec-g")
                + ((Number) storage().get("gapPackets")).longValue() - gapBefore == 60);
        assertThat(((Number) storage().get("gapPackets")).longValue() - gapBefore).as("packets lost to Kafka's "
                + "retention").isBetween(0L, 20L);
    }

    @Test
    void aFullDiskNeverLeavesACorruptOrPartialFileAndEveryFrameIsWrittenOnceSpaceReturns() throws Exception {
        Path mount = Files.createDirectories(Path.of("target", "tmpfs-" + UUID.randomUUID()).toAbsolutePath());
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        Assumptions.assumeTrue(p.waitFor() == 0, "skipped: cannot mount a 2 MB tmpfs here (needs root): " + out);
        try {
            long clipBytes = clip.stream().mapToLong(b -> b.length).sum();
            setStorage(mount.toString(), 0L).then().statusCode(200);
            // leave room for about half the clip
            long usable = Files.getFileStore(mount).getUsableSpace();
            Path ballast = mount.resolve("ballast");
            Files.write(ballast, new byte[(int) Math.max(0, usable - clipBytes / 2)]);

            register("rec-f", true);
            Instant errorsAfter = Instant.now();
            send("rec-f", UUID.randomUUID().toString(), 0, clip.size());
            Alert raised = awaitAlert(Alert.STORAGE_ERROR, Alert.State.RAISED, errorsAfter.minusMillis(500));
            assertThat(raised.message()).contains(mount.toString());
            eventually("paused", () -> "paused_storage_error".equals(storage().get("state")));
            assertNothingPartialOrCorrupt(mount);

            Files.delete(ballast);
            List<SegmentClosed> segments = segmentsHolding("rec-f", clip.size());
            awaitAlert(Alert.STORAGE_ERROR, Alert.State.CLEARED, errorsAfter);
            assertThat(segments).allSatisfy(s -> assertThat(s.root()).isEqualTo(mount.toString()));
            assertNothingPartialOrCorrupt(mount);
        } finally {
            setStorage(root.toAbsolutePath().normalize().toString(), TEST_FLOOR);
            new ProcessBuilder("umount", "-l", mount.toString()).start().waitFor();
        }
    }

    /** Every segment file on the volume has its final name, an index, and decodes to the frames its index lists. */
    private static void assertNothingPartialOrCorrupt(Path mount) throws Exception {
        try (Stream<Path> s = Files.walk(mount)) {
            for (Path f : s.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().equals("ballast"))
                    .toList()) {
                String n = f.getFileName().toString();
                assertThat(n).as("no partial file left").doesNotEndWith(".partial");
                if (n.endsWith(".avi")) {
                    Path idx = Path.of(f + ".idx");
                    assertThat(idx).exists();
                    long indexed = Files.readAllLines(idx).size() - 2;
                    assertThat(TestClips.decodedFrames(f)).as(n).isEqualTo(indexed);
                }
            }
        }
    }

    private long openFrames(String camera) {
        List<Map<String, Object>> cams = given().auth().oauth2(admin()).when().get("/api/recorder/cameras").then()
                .statusCode(200).extract().jsonPath().getList("$");
        return cams.stream().filter(c -> camera.equals(c.get("id"))).mapToLong(c -> ((Number) c.get(
                "openSegmentFrames")).longValue()).sum();
    }

    /** Frames in closed segments of {@code camera} announced so far. */
    private long framesIn(String camera) {
        return segmentsSoFar(camera).stream().mapToLong(SegmentClosed::frames).sum();
    }
}
