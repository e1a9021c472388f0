package org.vigil.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.Json;
import org.vigil.evidence.ExportPackage.AuditLine;
import org.vigil.evidence.ExportPackage.Manifest;

/** A package written by {@link PackageWriter} verifies; each kind of tampering fails with a message naming it. */
class ExportVerifierTest {

    @TempDir
    Path dir;

    KeyPair key;
    Path zip;

    @BeforeEach
    void writeAPackage() throws IOException {
        write(List.of(ExportPackage.SiteClock.of("hq", 800, Instant.parse("2026-11-28T09:59:58Z"))));
    }

    private void write(List<ExportPackage.SiteClock> siteClocks) throws IOException {
        key = Signing.generate();
        zip = dir.resolve("export.zip");
        Random r = new Random(7);
        byte[] a = new byte[300_000];
        byte[] b = new byte[300_000];
        r.nextBytes(a);
        r.nextBytes(b);
        try (OutputStream out = Files.newOutputStream(zip); PackageWriter w = new PackageWriter(out)) {
            w.add("segments/cam1/recording_cam1_a.avi", new java.io.ByteArrayInputStream(a), false, n -> {
            });
            w.add("segments/cam1/recording_cam1_b.avi", new java.io.ByteArrayInputStream(b), false, n -> {
            });
            w.add(ExportPackage.EVENTS_CSV, "event_id,camera\n1,cam1\n".getBytes(StandardCharsets.UTF_8));
            w.add(ExportPackage.AUDIT, audit(5).getBytes(StandardCharsets.UTF_8));
            w.finish(new Manifest(null, "x1", Instant.parse("2026-11-28T10:00:00Z"), "olga", "theft at gate",
                    "CASE-7", List.of("cam1"), Instant.parse("2026-11-28T09:00:00Z"),
                    Instant.parse("2026-11-28T09:10:00Z"), new ExportPackage.TimeSync("synced", 3L, "ntp"),
                    new ExportPackage.Software("vigil-export-service", "test"), null, null,
                    new ExportPackage.AuditExcerpt(5, true, 0, null, null), siteClocks), key);
        }
    }

    /** {@code n} chained audit lines with seq 10.. (an excerpt need not start at the genesis). */
    static String audit(int n) {
        StringBuilder sb = new StringBuilder();
        String prev = "ab".repeat(32);
        for (int i = 0; i < n; i++) {
            AuditEntry e = new AuditEntry(1, "00000000-0000-0000-0000-00000000000" + i,
                    Instant.parse("2026-11-28T09:0" + i + ":00Z"), "recorder-service", "system", "segment.closed",
                    "cam1", "hq", "success", Map.of("file", "f" + i));
            String hash = AuditChain.chain(prev, e);
            sb.append(new String(Json.write(new AuditLine(10 + i, e.id(), e.at(), e.service(), e.actor(), e.action(),
                    e.target(), e.site(), e.outcome(), e.details(), prev, hash)), StandardCharsets.UTF_8)).append('\n');
            prev = hash;
        }
        return sb.toString();
    }

    private ExportVerifier.Report verify() throws IOException {
        return ExportVerifier.verify(zip, Optional.of(key.getPublic()));
    }

    /** Rewrites the package, letting {@code change} replace, drop (null) or keep each entry's bytes. */
    private void rewrite(Map<String, UnaryOperator<byte[]>> changes, Map<String, byte[]> added) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(zip.toFile())) {
            for (ZipEntry e : java.util.Collections.list(z.entries())) {
                try (InputStream in = z.getInputStream(e)) {
                    entries.put(e.getName(), in.readAllBytes());
                }
            }
        }
        Path out = dir.resolve("tampered.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(out))) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                byte[] data = changes.getOrDefault(e.getKey(), UnaryOperator.identity()).apply(e.getValue());
                if (data != null) {
                    z.putNextEntry(new ZipEntry(e.getKey()));
                    z.write(data);
                    z.closeEntry();
                }
            }
            for (Map.Entry<String, byte[]> e : added.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        zip = out;
    }

    @Test
    void anUntouchedPackageVerifiesAndWarnsWhenOnlyTheEmbeddedKeyWasUsed() throws IOException {
        ExportVerifier.Report trusted = verify();
        assertThat(trusted.problems()).isEmpty();
        assertThat(trusted.ok()).isTrue();
        assertThat(trusted.warnings()).isEmpty();
        assertThat(trusted.files()).isEqualTo(4);
        assertThat(trusted.auditLines()).isEqualTo(5);
        assertThat(trusted.signedBy()).isEqualTo(Signing.fingerprint(key.getPublic()));

        ExportVerifier.Report embedded = ExportVerifier.verify(zip, Optional.empty());
        assertThat(embedded.ok()).isTrue();
        assertThat(embedded.warnings()).singleElement().asString().contains("only against the key inside the package");
    }

    @Test
    void aSiteWhoseClockWasMoreThan5SecondsOffIsNamedWithHowFarAndWhichWay() throws IOException {
        Instant at = Instant.parse("2026-11-28T09:59:58Z");
        write(List.of(ExportPackage.SiteClock.of("hq", 800, at), ExportPackage.SiteClock.of("north", 7200, at),
                ExportPackage.SiteClock.of("south", -6000, at)));
        ExportVerifier.Report r = verify();
        assertThat(r.ok()).as("a skewed clock is a warning, not a problem").isTrue();
        assertThat(r.warnings()).containsExactly(
                "site north's clock was 7.2 s behind central's (measured 2026-11-28T09:59:58Z): the times of its "
                        + "footage and events in this package are that site's clock's",
                "site south's clock was 6.0 s ahead of central's (measured 2026-11-28T09:59:58Z): the times of its "
                        + "footage and events in this package are that site's clock's");
        assertThat(ExportPackage.SiteClock.of("edge", 5000, at).skewed()).as("5 s is still within").isFalse();
    }

    @Test
    void aChangedByteInARecordingIsFoundAndNamed() throws IOException {
        rewrite(Map.of("segments/cam1/recording_cam1_a.avi", b -> {
            byte[] c = b.clone();
            c[150_000] ^= 1;
            return c;
        }), Map.of());
        assertThat(verify().problems()).singleElement().asString()
                .startsWith("segments/cam1/recording_cam1_a.avi: SHA-256").contains("differs from the manifest");
    }

    @Test
    void swappedRecordingsAreBothNamed() throws IOException {
        byte[][] kept = new byte[2][];
        try (ZipFile z = new ZipFile(zip.toFile())) {
            kept[0] = z.getInputStream(z.getEntry("segments/cam1/recording_cam1_a.avi")).readAllBytes();
            kept[1] = z.getInputStream(z.getEntry("segments/cam1/recording_cam1_b.avi")).readAllBytes();
        }
        rewrite(Map.of("segments/cam1/recording_cam1_a.avi", b -> kept[1], "segments/cam1/recording_cam1_b.avi",
                b -> kept[0]), Map.of());
        assertThat(verify().problems()).hasSize(2).allSatisfy(p -> assertThat(p).contains("changed or swapped"));
    }

    @Test
    void aRemovedOrAddedFileIsFound() throws IOException {
        rewrite(Map.of("segments/cam1/recording_cam1_b.avi", b -> null), Map.of("notes.txt", new byte[] {1}));
        assertThat(verify().problems()).containsExactlyInAnyOrder(
                "segments/cam1/recording_cam1_b.avi: listed in the manifest but missing (removed)",
                "notes.txt: not listed in the manifest (added after signing)");
    }

    @Test
    void anEditedManifestOrAnotherKeyFailsTheSignature() throws IOException {
        rewrite(Map.of(ExportPackage.MANIFEST, b -> new String(b, StandardCharsets.UTF_8)
                .replace("theft at gate", "nothing happened").getBytes(StandardCharsets.UTF_8)), Map.of());
        assertThat(verify().problems()).singleElement().asString()
                .startsWith("manifest.sig: the signature over manifest.json does not verify");
        ExportVerifier.Report other = ExportVerifier.verify(zip, Optional.of(Signing.generate().getPublic()));
        assertThat(other.problems()).anySatisfy(p -> assertThat(p).contains("not by the given key"));
    }

    @Test
    void aReorderedAuditLineIsFound() throws IOException {
        rewrite(Map.of(ExportPackage.AUDIT, b -> {
            List<String> lines = new ArrayList<>(List.of(new String(b, StandardCharsets.UTF_8).split("\n")));
            java.util.Collections.swap(lines, 1, 2);
            return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
        }), Map.of());
        assertThat(verify().problems()).contains("audit.jsonl line 3 (seq 11): comes after seq 12 (entries reordered "
                + "or repeated)");
    }

    @Test
    void anEditedAuditLineIsFound() throws IOException {
        rewrite(Map.of(ExportPackage.AUDIT, b -> new String(b, StandardCharsets.UTF_8)
                .replace("\"outcome\":\"success\",\"details\":{\"file\":\"f3\"}",
                        "\"outcome\":\"failure\",\"details\":{\"file\":\"f3\"}").getBytes(StandardCharsets.UTF_8)),
                Map.of());
        assertThat(verify().problems()).contains("audit.jsonl line 4 (seq 13): its hash does not match its content "
                + "(the entry was edited)");
    }

    @Test
    void theCommandLineSaysOkOrFailedWithTheProblem() throws Exception {
        Path pem = dir.resolve("trusted.pem");
        Files.writeString(pem, Signing.publicPem(key.getPublic()));
        assertThat(run("--key", pem.toString(), zip.toString())).isZero();
        rewrite(Map.of(ExportPackage.EVENTS_CSV, b -> "event_id,camera\n2,cam1\n".getBytes(StandardCharsets.UTF_8)),
                Map.of());
        assertThat(run("--key", pem.toString(), zip.toString())).isEqualTo(1);
        assertThat(run()).isEqualTo(2);
    }

    @Test
    void aStoredPrivateKeyGivesBackItsPublicKey() {
        KeyPair k = Signing.generate();
        java.security.PrivateKey read = Signing.readPrivate(Signing.privatePem(k.getPrivate()));
        assertThat(Signing.publicOf(read).getEncoded()).isEqualTo(k.getPublic().getEncoded());
        byte[] data = "manifest".getBytes(StandardCharsets.UTF_8);
        assertThat(Signing.verify(Signing.publicOf(read), data, Signing.sign(read, data))).isTrue();
    }

    private static int run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ExportVerifier.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        return p.waitFor();
    }
}
