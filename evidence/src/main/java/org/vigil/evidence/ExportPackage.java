package org.vigil.evidence;

import java.time.Instant;
import java.util.List;

/**
 * The layout of an evidence export, a ZIP that anyone can check offline ({@link ExportVerifier}, or by hand with
 * {@code unzip}, {@code sha256sum} and {@code openssl}):
 * <pre>
 * manifest.json            {@link Manifest}: every other file's path, size and SHA-256, and what the export is
 * manifest.sig             base64 Ed25519 signature over the exact bytes of manifest.json
 * signing-key.pem          the public key that made it (its fingerprint is in the manifest)
 * segments/&lt;camera&gt;/&lt;file&gt;.avi   the original recordings covering the range, bit for bit
 * mp4/&lt;camera&gt;.mp4         optional: the same packets in one MP4 per camera, for any player
 * events.json, events.csv  the motion events of those cameras in the range
 * bookmarks.json           the operators' bookmarks of those cameras in the range (moment, note, author)
 * audit.jsonl              the audit entries about this footage, with their hash chain ({@link AuditLine})
 * </pre>
 */
public final class ExportPackage {

    public static final String FORMAT = "vigil-export/1";
    public static final String MANIFEST = "manifest.json";
    public static final String SIGNATURE = "manifest.sig";
    public static final String PUBLIC_KEY = "signing-key.pem";
    public static final String AUDIT = "audit.jsonl";
    public static final String EVENTS_JSON = "events.json";
    public static final String EVENTS_CSV = "events.csv";
    public static final String BOOKMARKS_JSON = "bookmarks.json";
    public static final String SEGMENTS_DIR = "segments/";
    /** The optional convenience copies: one MP4 per camera, stream-copied from the originals. */
    public static final String MP4_DIR = "mp4/";

    private ExportPackage() {
    }

    /** What an export holds and who made it, signed. */
    public record Manifest(String format, String exportId, Instant createdAt, String requestedBy, String reason,
            String caseId, List<String> cameras, Instant from, Instant to, TimeSync timeSync, Software software,
            List<FileEntry> files, SigningKey signing, AuditExcerpt auditExcerpt, List<SiteClock> siteClocks) {
    }

    /** A site's clock further than this from central's is flagged in a package (design 0017). */
    public static final long SKEW_LIMIT_MS = 5000;

    /**
     * How far the clock of a site whose footage is in the package was from central's when the package was made (design
     * 0017): {@code skewMs} positive when the site's clock was behind. The times the site's footage and events carry
     * are its own clock's; {@code skewed} when that is more than {@link #SKEW_LIMIT_MS} off. {@code measuredAt} is
     * central's clock at the heartbeat it was measured from. {@code siteClocks} is null in packages made before this was
     * recorded, and empty when no site of the package has been heard from.
     */
    public record SiteClock(String site, long skewMs, boolean skewed, Instant measuredAt) {
        public static SiteClock of(String site, long skewMs, Instant measuredAt) {
            return new SiteClock(site, skewMs, Math.abs(skewMs) > SKEW_LIMIT_MS, measuredAt);
        }
    }

    /**
     * What audit.jsonl holds of the audit entries about this footage. An excerpt is capped (the newest entries are
     * kept); when it is, {@code complete} is false and the entries left out are named: how many, and the range of
     * their sequence numbers in the audit log, so an auditor can ask for them. {@code null} in packages made before
     * this was recorded.
     */
    public record AuditExcerpt(long entries, boolean complete, long omitted, Long omittedFromSeq, Long omittedToSeq) {
    }

    public record FileEntry(String path, long size, String sha256) {
    }

    /** The exporting host's clock against NTP when the export was made; {@code offsetMs} null when unknown. */
    public record TimeSync(String status, Long offsetMs, String server) {
    }

    public record Software(String name, String version) {
    }

    public record SigningKey(String algorithm, String fingerprint) {
    }

    /** One line of audit.jsonl: an audit entry with its place in the chain. */
    public record AuditLine(long seq, String id, Instant at, String service, String actor, String action,
            String target, String site, String outcome, java.util.Map<String, String> details, String prevHash,
            String hash) {
    }
}
