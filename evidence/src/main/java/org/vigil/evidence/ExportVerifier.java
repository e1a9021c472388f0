package org.vigil.evidence;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.Json;
import org.vigil.evidence.ExportPackage.AuditLine;
import org.vigil.evidence.ExportPackage.FileEntry;
import org.vigil.evidence.ExportPackage.Manifest;

/**
 * Checks an export package offline: the manifest's signature (against a key the auditor trusts, or, with a warning,
 * only the key inside the package), every file's size and SHA-256, that nothing was added or removed, and the audit
 * excerpt's hash chain. Every problem is reported with the file (and line) it concerns.
 *
 * <p>Command line: {@code vigil verify [--key trusted.pem] export.zip}; exit status 0 when it holds, 1 when not, 2 for
 * bad usage.
 */
public final class ExportVerifier {

    /** The outcome; {@code ok} when there is no problem (warnings do not fail a package). */
    public record Report(boolean ok, List<String> problems, List<String> warnings, String signedBy, int files,
            int auditLines) {
    }

    private ExportVerifier() {
    }

    public static Report verify(Path zip, Optional<PublicKey> trusted) throws IOException {
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        try (ZipFile z = new ZipFile(zip.toFile())) {
            byte[] manifestBytes = read(z, ExportPackage.MANIFEST);
            byte[] signature = read(z, ExportPackage.SIGNATURE);
            byte[] keyPem = read(z, ExportPackage.PUBLIC_KEY);
            if (manifestBytes == null) {
                return fail(ExportPackage.MANIFEST + ": missing; this is not a Vigil export");
            }
            if (signature == null) {
                return fail(ExportPackage.SIGNATURE + ": missing; the manifest is unsigned");
            }
            Manifest m;
            try {
                m = Json.read(manifestBytes, Manifest.class);
            } catch (RuntimeException e) {
                return fail(ExportPackage.MANIFEST + ": not readable (" + e.getMessage() + ")");
            }
            String signedBy = checkSignature(m, manifestBytes, new String(signature, StandardCharsets.US_ASCII),
                    keyPem, trusted, problems, warnings);
            Set<String> listed = new HashSet<>();
            for (FileEntry f : m.files()) {
                listed.add(f.path());
                checkFile(z, f, problems);
            }
            for (Enumeration<? extends ZipEntry> e = z.entries(); e.hasMoreElements();) {
                String name = e.nextElement().getName();
                if (!listed.contains(name) && !name.equals(ExportPackage.MANIFEST) && !name.equals(ExportPackage.SIGNATURE)
                        && !name.equals(ExportPackage.PUBLIC_KEY) && !name.endsWith("/")) {
                    problems.add(name + ": not listed in the manifest (added after signing)");
                }
            }
            int auditLines = checkAudit(z, problems);
            ExportPackage.AuditExcerpt excerpt = m.auditExcerpt();
            if (excerpt != null && excerpt.entries() != auditLines) {
                problems.add(ExportPackage.AUDIT + ": " + auditLines + " entries, the manifest says " + excerpt.entries());
            }
            if (excerpt != null && !excerpt.complete()) {
                warnings.add(ExportPackage.AUDIT + " is an excerpt: " + excerpt.omitted() + " older audit entries about "
                        + "this footage were left out (audit log sequence " + excerpt.omittedFromSeq() + " to "
                        + excerpt.omittedToSeq() + ")");
            }
            if (m.siteClocks() != null) {
                for (ExportPackage.SiteClock c : m.siteClocks()) {
                    if (c.skewed()) {
                        warnings.add(String.format(java.util.Locale.ROOT, "site %s's clock was %.1f s %s central's "
                                + "(measured %s): the times of its footage and events in this package are that site's "
                                + "clock's", c.site(), Math.abs(c.skewMs()) / 1000.0, c.skewMs() > 0 ? "behind"
                                        : "ahead of", c.measuredAt()));
                    }
                }
            }
            return new Report(problems.isEmpty(), problems, warnings, signedBy, m.files().size(), auditLines);
        } catch (java.util.zip.ZipException e) {
            return fail(zip + ": not a readable ZIP (" + e.getMessage() + ")");
        }
    }

    private static String checkSignature(Manifest m, byte[] manifestBytes, String signature, byte[] keyPem,
            Optional<PublicKey> trusted, List<String> problems, List<String> warnings) {
        PublicKey embedded = null;
        if (keyPem != null) {
            try {
                embedded = Signing.readPublic(new String(keyPem, StandardCharsets.US_ASCII));
            } catch (IllegalArgumentException e) {
                problems.add(ExportPackage.PUBLIC_KEY + ": " + e.getMessage());
            }
        }
        String claimed = m.signing() == null ? null : m.signing().fingerprint();
        if (embedded != null && claimed != null && !Signing.fingerprint(embedded).equals(claimed)) {
            problems.add(ExportPackage.PUBLIC_KEY + ": its fingerprint " + Signing.fingerprint(embedded)
                    + " is not the manifest's " + claimed + " (key swapped)");
        }
        PublicKey key = trusted.orElse(embedded);
        if (key == null) {
            problems.add(ExportPackage.PUBLIC_KEY + ": missing, and no key was given (--key) to check the signature");
            return null;
        }
        if (trusted.isPresent() && claimed != null && !Signing.fingerprint(trusted.get()).equals(claimed)) {
            problems.add(ExportPackage.SIGNATURE + ": the package says it was signed by " + claimed
                    + ", not by the given key " + Signing.fingerprint(trusted.get()));
        }
        if (!Signing.verify(key, manifestBytes, signature)) {
            problems.add(ExportPackage.SIGNATURE + ": the signature over " + ExportPackage.MANIFEST
                    + " does not verify with key " + Signing.fingerprint(key) + " (manifest or signature changed)");
        }
        if (trusted.isEmpty()) {
            warnings.add("checked only against the key inside the package (" + Signing.fingerprint(key)
                    + "): anyone can make such a package; give the key your organisation published with --key");
        }
        return Signing.fingerprint(key);
    }

    private static void checkFile(ZipFile z, FileEntry f, List<String> problems) throws IOException {
        if (f.path().contains("..") || f.path().startsWith("/")) {
            problems.add(f.path() + ": not a plain relative path");
            return;
        }
        ZipEntry e = z.getEntry(f.path());
        if (e == null) {
            problems.add(f.path() + ": listed in the manifest but missing (removed)");
            return;
        }
        try (InputStream in = z.getInputStream(e);
                DigestInputStream d = new DigestInputStream(in, MessageDigest.getInstance("SHA-256"))) {
            long size = d.transferTo(java.io.OutputStream.nullOutputStream());
            String sha = HexFormat.of().formatHex(d.getMessageDigest().digest());
            if (size != f.size()) {
                problems.add(f.path() + ": " + size + " bytes, the manifest says " + f.size() + " (changed)");
            } else if (!sha.equals(f.sha256())) {
                problems.add(f.path() + ": SHA-256 " + sha + " differs from the manifest's " + f.sha256()
                        + " (changed or swapped)");
            }
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** Checks audit.jsonl's chain; returns its line count. */
    private static int checkAudit(ZipFile z, List<String> problems) throws IOException {
        byte[] audit = read(z, ExportPackage.AUDIT);
        if (audit == null) {
            return 0;
        }
        List<AuditChain.Link> links = new ArrayList<>();
        String[] lines = new String(audit, StandardCharsets.UTF_8).split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            try {
                AuditLine l = Json.read(lines[i].getBytes(StandardCharsets.UTF_8), AuditLine.class);
                links.add(new AuditChain.Link(l.seq(), new AuditEntry(AuditEntry.VERSION, l.id(), l.at(), l.service(),
                        l.actor(), l.action(), l.target(), l.site(), l.outcome(), l.details()), l.prevHash(), l.hash()));
            } catch (RuntimeException e) {
                problems.add(ExportPackage.AUDIT + " line " + (i + 1) + ": not a readable audit entry");
            }
        }
        problems.addAll(AuditChain.verify(links, ExportPackage.AUDIT + " line", false));
        return links.size();
    }

    private static byte[] read(ZipFile z, String name) throws IOException {
        ZipEntry e = z.getEntry(name);
        if (e == null) {
            return null;
        }
        try (InputStream in = z.getInputStream(e)) {
            return in.readAllBytes();
        }
    }

    private static Report fail(String problem) {
        return new Report(false, List.of(problem), List.of(), null, 0, 0);
    }

    public static void main(String[] args) {
        Optional<PublicKey> key = Optional.empty();
        Path zip = null;
        try {
            for (int i = 0; i < args.length; i++) {
                if (args[i].equals("--key") && i + 1 < args.length) {
                    key = Optional.of(Signing.readPublic(Files.readString(Path.of(args[++i]))));
                } else if (zip == null && !args[i].startsWith("-")) {
                    zip = Path.of(args[i]);
                } else {
                    zip = null;
                    break;
                }
            }
            if (zip == null) {
                System.err.println("usage: vigil verify [--key trusted-public-key.pem] export.zip");
                System.exit(2);
            }
            if (!Files.isRegularFile(zip)) {
                System.err.println(zip + ": no such file");
                System.exit(2);
            }
            Report r = verify(zip, key);
            r.warnings().forEach(w -> System.out.println("WARNING: " + w));
            if (r.ok()) {
                System.out.printf("OK: %s: signature by %s, %d files and %d audit entries check out%n", zip, r.signedBy(),
                        r.files(), r.auditLines());
                System.exit(0);
            }
            r.problems().forEach(p -> System.out.println("FAILED: " + p));
            System.exit(1);
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("cannot verify: " + e.getMessage());
            System.exit(2);
        }
    }
}
