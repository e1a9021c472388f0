package org.vigil.sitelink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.contracts.Topics;
import org.vigil.sitelink.config.SiteCredentials;
import org.vigil.sitelink.config.Sites;
import org.vigil.sitelink.messaging.MirrorPlan;
import org.vigil.sitelink.messaging.SiteFilter;

/** What central's MirrorMaker is told to do (design 0017), and what it refuses to start with. */
class SiteLinkPlanTest {

    private static final Map<String, String> SITES = Sites.parse("north=10.1.0.2:9094, south=10.2.0.2:9094;10.2.0.3:9094");

    @Test
    void sitesAreReadFromVigilSitesAndBadOnesAreRefusedInOneLine() {
        assertThat(SITES).containsExactly(Map.entry("north", "10.1.0.2:9094"),
                Map.entry("south", "10.2.0.2:9094,10.2.0.3:9094"));
        assertThatThrownBy(() -> Sites.parse("")).hasMessageStartingWith("VIGIL_SITES is empty");
        assertThatThrownBy(() -> Sites.parse("North=h:1")).hasMessage("VIGIL_SITES: 'North' is not a site id "
                + "(lower-case letters, digits and '-', at most 63, starting with a letter or digit)");
        assertThatThrownBy(() -> Sites.parse("north")).hasMessage("VIGIL_SITES entry 'north' is not <site>=<host>:<port>");
        assertThatThrownBy(() -> Sites.parse("north=h")).hasMessageContaining("not <host>:<port>");
        assertThatThrownBy(() -> Sites.parse("central=h:1")).hasMessageContaining("central's own name");
        assertThatThrownBy(() -> Sites.parse("a=h:1,a=h:2")).hasMessage("VIGIL_SITES names site a twice");
    }

    @Test
    void eachSitesMetadataFlowsToCentralAndItsVideoNever() {
        Map<String, String> mm = MirrorPlan.of("10.0.0.1:9092", SITES, 3, Duration.ofSeconds(10));
        assertThat(mm.get("clusters")).isEqualTo("central,north,south");
        assertThat(MirrorPlan.targets(SITES)).containsExactly("central", "north", "south");
        for (String site : SITES.keySet()) {
            assertThat(mm.get(site + "->central.enabled")).isEqualTo("true");
            Pattern up = Pattern.compile(mm.get(site + "->central.topics"));
            for (String t : List.of(Topics.MOTION, Topics.DETECTIONS, Topics.CAMERA_STATUS, Topics.SEGMENTS,
                    Topics.AUDIT, Topics.ALERTS, Topics.NODE_HEARTBEATS)) {
                assertThat(up.matcher(t).matches()).as(t + " flows up from " + site).isTrue();
            }
            for (String t : List.of(Topics.MEDIA, Topics.PREVIEWS, Topics.CAMERAS, Topics.SETTINGS,
                    "vigil.motion.v1x", "vigilxmotion.v1")) {
                assertThat(up.matcher(t).matches()).as(t + " stays at " + site).isFalse();
            }
            // central pushes the registry, under its own name, through the site's filter
            Pattern down = Pattern.compile(mm.get("central->" + site + ".topics"));
            assertThat(down.matcher(Topics.CAMERAS).matches()).isTrue();
            assertThat(down.matcher(Topics.SETTINGS).matches()).as("a site's storage settings are its own").isFalse();
            assertThat(mm.get("central->" + site + ".replication.policy.class"))
                    .endsWith("IdentityReplicationPolicy");
            assertThat(mm.get("central->" + site + ".transforms.site.type")).isEqualTo(SiteFilter.class.getName());
            assertThat(mm.get("central->" + site + ".transforms.site.site")).isEqualTo(site);
        }
        assertThat(mm.get("south.bootstrap.servers")).isEqualTo("10.2.0.2:9094,10.2.0.3:9094");
        assertThat(mm.get("replication.factor")).isEqualTo("3");
        assertThat(mm.get("emit.heartbeats.enabled")).isEqualTo("false");
        assertThat(mm.get("groups.exclude")).as("no consumer group is mirrored").isEqualTo(".*");
    }

    @Test
    void aSiteReceivesItsOwnCamerasOnlyAndLearnsOfDeletions() {
        SiteFilter<SourceRecord> north = new SiteFilter<>();
        north.configure(Map.of(SiteFilter.SITE, "north"));
        assertThat(north.apply(camera("cam-n", "north"))).isNotNull();
        assertThat(north.apply(camera("cam-s", "south"))).as("south's camera, URL and all").isNull();
        assertThat(north.apply(record("cam-x", "{not json".getBytes()))).as("unreadable: never pushed").isNull();
        assertThat(north.apply(record("cam-s", null))).as("a deletion names only an id").isNotNull();
        assertThatThrownBy(() -> new SiteFilter<SourceRecord>().configure(Map.of(SiteFilter.SITE, "No Site")))
                .hasMessageContaining("site id");
    }

    private static SourceRecord camera(String id, String site) {
        return record(id, Json.write(new CameraConfig(1, id, "Gate", site, "rtsp://user:secret@10.0.0.9/1", null,
                true, 0.5, List.of(), List.of(), Instant.now(), "ada")));
    }

    private static SourceRecord record(String key, byte[] value) {
        return new SourceRecord(Map.of(), Map.of(), Topics.CAMERAS, 0, null, key.getBytes(), null, value);
    }

    @Test
    void aSiteWithCredentialsIsReachedOverTlsPinnedToItsCertificateWithScramAndBadFilesAreRefused(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path store = dir.resolve("k.p12");
        Process p = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "keytool")
                .toString(), "-genkeypair", "-alias", "site", "-keyalg", "EC", "-dname", "CN=vigil-site-north",
                "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "changeit", "-noprompt")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        p = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-exportcert", "-rfc", "-alias", "site", "-keystore", store.toString(), "-storepass", "changeit",
                "-file", dir.resolve("north.pem").toString()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        java.nio.file.Path pass = dir.resolve("north.password");
        java.nio.file.Files.writeString(pass, "s3cret-Pass\n");
        java.nio.file.Files.setPosixFilePermissions(pass, java.nio.file.attribute.PosixFilePermissions.fromString(
                "rw-------"));

        Map<String, SiteCredentials> creds = SiteCredentials.load(dir, List.of("north"));
        assertThat(creds.get("north").toString()).doesNotContain("s3cret");
        Map<String, String> plan = MirrorPlan.of("127.0.0.1:19092", SITES, creds, 1, Duration.ofSeconds(10));
        assertThat(plan).containsEntry("north.security.protocol", "SASL_SSL")
                .containsEntry("north.sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("north.ssl.truststore.type", "PEM")
                .containsEntry("north.ssl.truststore.location", dir.resolve("north.pem").toAbsolutePath().toString())
                .doesNotContainKey("south.security.protocol").doesNotContainKey("central.security.protocol");
        assertThat(plan.get("north.sasl.jaas.config")).contains("username=\"central\"")
                .contains("password=\"s3cret-Pass\"");

        assertThatThrownBy(() -> SiteCredentials.load(dir, List.of("south"))).hasMessageContaining("south.pem")
                .hasMessageContaining("missing");
        java.nio.file.Files.setPosixFilePermissions(pass, java.nio.file.attribute.PosixFilePermissions.fromString(
                "rw-r--r--"));
        assertThatThrownBy(() -> SiteCredentials.load(dir, List.of("north"))).hasMessageContaining("readable by others");
        java.nio.file.Files.setPosixFilePermissions(pass, java.nio.file.attribute.PosixFilePermissions.fromString(
                "rw-------"));
        java.nio.file.Files.writeString(dir.resolve("north.pem"), "not a certificate");
        assertThatThrownBy(() -> SiteCredentials.load(dir, List.of("north"))).hasMessageContaining("not a PEM");
    }
}
