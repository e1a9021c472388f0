package org.vigil.gateway.cameras;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Zone;

class CameraRulesTest {

    private static final Set<String> SITES = Set.of("hq", "north");

    private static CameraConfig camera(String url, String sub, List<Zone> zones) {
        return new CameraInput("door-1", "Front door", "hq", url, sub, null, null, null, null, null, null, zones, null,
                null,
                null).toConfig(Instant.now(), "admin");
    }

    private static List<String> fields(CameraConfig c) {
        return CameraRules.check(c, SITES).stream().map(CameraRules.Problem::field).toList();
    }

    private static Zone zone(double... xy) {
        List<Zone.Point> p = new ArrayList<>();
        for (int i = 0; i < xy.length; i += 2) {
            p.add(new Zone.Point(xy[i], xy[i + 1]));
        }
        return new Zone("z", p);
    }

    @Test
    void aPlainNetworkCameraWithAConcaveZonePasses() {
        // an L shape: concave, no crossing
        assertThat(CameraRules.check(camera("rtsp://10.0.0.5:554/stream1", "rtsp://10.0.0.5/stream2",
                List.of(zone(0.1, 0.1, 0.5, 0.1, 0.5, 0.4, 0.9, 0.4, 0.9, 0.9, 0.1, 0.9))), SITES)).isEmpty();
        assertThat(fields(camera("http://cam.local/mjpeg", null, List.of()))).isEmpty();
        assertThat(fields(camera("test:?size=320x180", null, List.of()))).isEmpty();
        assertThat(fields(camera("0", null, List.of()))).isEmpty();
    }

    @Test
    void eachBadAddressIsNamedWithItsField() {
        assertThat(fields(camera("rtsp://10.0.0.5/a b", null, List.of()))).containsExactly("url");
        assertThat(CameraRules.check(camera("ftp://10.0.0.5/x", null, List.of()), SITES).get(0).message())
                .contains("unknown scheme 'ftp'");
        assertThat(CameraRules.check(camera("file:/etc/passwd", null, List.of()), SITES).get(0).message())
                .contains("CAMERA_SOURCES");
        assertThat(CameraRules.check(camera("rtsp://admin:pw@10.0.0.5/x", null, List.of()), SITES).get(0).message())
                .contains("username and password").doesNotContain("pw");
        assertThat(fields(camera("http://cam.local/video.cgi?user=a&pwd=b", null, List.of()))).containsExactly("url");
        assertThat(fields(camera("rtsp:///stream", null, List.of()))).containsExactly("url");
        assertThat(fields(camera("rtsp://[::1/x", null, List.of()))).containsExactly("url");
        assertThat(fields(camera("rtsp://10.0.0.5/x", "1", List.of()))).containsExactly("subStreamUrl");
        assertThat(fields(camera("64", null, List.of()))).containsExactly("url");
        assertThat(fields(camera("", null, List.of()))).containsExactly("url");
    }

    @Test
    void zonesMustLieInThePictureEncloseAnAreaAndNotCrossThemselves() {
        // a bow tie: edges 1 and 3 cross
        assertThat(CameraRules.check(camera("test:", null, List.of(zone(0.1, 0.1, 0.9, 0.9, 0.9, 0.1, 0.1, 0.9))),
                SITES)).extracting(CameraRules.Problem::message).containsExactly("intersects itself: edge 1 meets edge 3");
        assertThat(fields(camera("test:", null, List.of(zone(0.1, 0.1, 1.2, 0.1, 0.5, 0.9)))))
                .containsExactly("zones[0].polygon[1]");
        assertThat(fields(camera("test:", null, List.of(zone(0.1, 0.1, 0.5, 0.5, 0.9, 0.9)))))
                .containsExactly("zones[0].polygon"); // collinear: no area
        assertThat(fields(camera("test:", null, List.of(zone(0.1, 0.1, 0.9, 0.1))))).containsExactly("zones[0].polygon");
        // a spike: the third edge runs back along the second
        assertThat(fields(camera("test:", null, List.of(zone(0.1, 0.1, 0.9, 0.1, 0.9, 0.9, 0.9, 0.5, 0.1, 0.9)))))
                .containsExactly("zones[0].polygon");
        // a point of one edge lying on another (touching, not crossing)
        assertThat(fields(camera("test:", null, List.of(zone(0.1, 0.1, 0.9, 0.1, 0.5, 0.1, 0.5, 0.9)))))
                .containsExactly("zones[0].polygon");
        assertThat(fields(camera("test:", null, List.of(zone(0.1, 0.1, Double.NaN, 0.1, 0.5, 0.9)))))
                .containsExactly("zones[0].polygon[1]");
        List<Zone> many = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            many.add(new Zone("z" + i, zone(0.1, 0.1, 0.9, 0.1, 0.5, 0.9).polygon()));
        }
        assertThat(fields(camera("test:", null, many))).containsExactly("zones");
        assertThat(fields(camera("test:", null, List.of(zone(0.1, 0.1, 0.9, 0.1, 0.5, 0.9),
                zone(0.1, 0.1, 0.9, 0.1, 0.5, 0.9))))).containsExactly("zones[1].name");
    }

    @Test
    void theOtherFieldsAreCheckedToo() {
        CameraConfig c = new CameraInput("Door 1", " ", "mars", "test:", null, "x".repeat(200), null, null, null, 1.5, -0.1,
                null, null, List.of("person", "Person", "person"), 0).toConfig(Instant.now(), "admin");
        assertThat(CameraRules.check(c, SITES)).extracting(CameraRules.Problem::field).containsExactly("id", "name",
                "site", "username", "sensitivity", "minObjectArea", "labels[1]", "labels[2]", "retentionDays");
        assertThat(CameraRules.check(c, SITES).get(2).message()).isEqualTo("unknown site 'mars' (known: hq, north)");
        assertThat(fields(new CameraInput("status", "S", "hq", "test:", null, null, null, null, null, null, null, null, null,
                null, null).toConfig(Instant.now(), "admin"))).containsExactly("id");
    }

    @Test
    void aSiteIdIsAtMost63CharactersAsEverywhereElse() {
        // heartbeats, topics and site-link stop at 63: a 64-character site stored here would be refused there
        String longest = "s".repeat(63);
        Set<String> sites = Set.of(longest, longest + "s");
        CameraConfig ok = new CameraInput("door-1", "D", longest, "test:", null, null, null, null, null, null, null,
                null, null, null, null).toConfig(Instant.now(), "admin");
        CameraConfig tooLong = new CameraInput("door-1", "D", longest + "s", "test:", null, null, null, null, null, null,
                null, null, null, null, null).toConfig(Instant.now(), "admin");
        assertThat(CameraRules.check(ok, sites)).isEmpty();
        assertThat(CameraRules.check(tooLong, sites)).extracting(CameraRules.Problem::field).containsExactly("site");
    }
}
