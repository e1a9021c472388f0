package org.vigil.retention.service;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.vigil.retention.repository.PruneRepository.Candidate;
import org.vigil.retention.repository.PruneRepository.Summary;

/** What a retention run deleted, or a dry run would delete: the types of its report, and the report's summaries. */
public final class PruneReport {

    private PruneReport() {
    }

    /** Recordings one path deleted (or would delete). */
    public record Deleted(long segments, long bytes, Instant oldest, Instant newest) {
        static final Deleted NONE = new Deleted(0, 0, null, null);

        static Deleted of(Summary s) {
            return new Deleted(s.segments(), s.bytes(), s.oldest(), s.newest());
        }

        Deleted plus(Deleted o) {
            return new Deleted(segments + o.segments, bytes + o.bytes, min(oldest, o.oldest), max(newest, o.newest));
        }

        Deleted plus(Candidate c) {
            return plus(new Deleted(1, c.bytes(), c.startedAt(), c.endedAt()));
        }
    }

    /**
     * What a run did, or a dry run would do. {@code segments}..{@code newest} total the recordings of every path;
     * in a dry run each path is counted as if it ran alone, so a segment may be counted by more than one.
     */
    public record Report(boolean dryRun, boolean ran, String trigger, Instant at, Instant cutoff, long segments,
            long bytes, Instant oldest, Instant newest, Deleted byAge, Deleted byQuota, Deleted byLowDisk,
            long orphansRemoved, List<String> warnings, List<String> errors,
            long recordingsMillis, long millis) {
    }

    /** What an emergency deletion did: what went, and whether unheld footage ran out before enough was freed. */
    public record Emergency(boolean ran, Deleted deleted, boolean exhausted) {
    }


    static Report of(boolean dryRun, boolean ran, String trigger, Instant now, Instant cutoff, Deleted age, Deleted quota,
            Deleted low, long orphans, List<String> warnings, List<String> errors,
            long recordingsMillis, long t0) {
        Deleted all = age.plus(quota).plus(low);
        return new Report(dryRun, ran, trigger, now, cutoff, all.segments(), all.bytes(), all.oldest(),
                all.newest(), age, quota, low, orphans, List.copyOf(warnings), List.copyOf(errors),
                recordingsMillis, (System.nanoTime() - t0) / 1_000_000);
    }


    /** The report as the details of its audit entry. */
    static Map<String, String> auditDetails(Report r) {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("trigger", r.trigger());
        details.put("cutoff", r.cutoff().toString());
        details.put("segments", Long.toString(r.segments()));
        details.put("bytes", Long.toString(r.bytes()));
        details.put("byAge", Long.toString(r.byAge().segments()));
        details.put("byQuota", Long.toString(r.byQuota().segments()));
        details.put("byLowDisk", Long.toString(r.byLowDisk().segments()));
        details.put("oldest", String.valueOf(r.oldest()));
        details.put("newest", String.valueOf(r.newest()));
        details.put("orphans", Long.toString(r.orphansRemoved()));
        details.put("warnings", Integer.toString(r.warnings().size()));
        details.put("errors", Integer.toString(r.errors().size()));
        return details;
    }


    private static Instant min(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
    }


    private static Instant max(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
    }
}
