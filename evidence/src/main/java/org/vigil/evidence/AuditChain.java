package org.vigil.evidence;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.Json;

/**
 * The audit log's hash chain, shared by the event service (which appends), the export package (which carries an
 * excerpt) and every verifier: {@code hash = SHA-256(prev_hash + "\n" + canonical JSON of the entry)}, entries in
 * {@code seq} order (central's chain order, numbered as entries are stored; logs stored before multi-site numbered
 * them by their offset in the one-partition audit topic), the first one chained to {@link #GENESIS}.
 */
public final class AuditChain {

    public static final String GENESIS = "0".repeat(64);

    /** An entry as the chain stores it. */
    public record Link(long seq, AuditEntry entry, String prevHash, String hash) {
    }

    private AuditChain() {
    }

    /**
     * The entry as JSON with a fixed field order, details sorted by key and the time in microseconds (what the
     * database keeps): {@code {"id":…,"at":…,"service":…,"actor":…,"action":…,"target":…,"site":…,"outcome":…,
     * "details":{…}}}.
     */
    public static String canonical(AuditEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("at", e.at().truncatedTo(ChronoUnit.MICROS).toString());
        m.put("service", e.service());
        m.put("actor", e.actor());
        m.put("action", e.action());
        m.put("target", e.target());
        m.put("site", e.site());
        m.put("outcome", e.outcome());
        m.put("details", new TreeMap<>(e.details()));
        return new String(Json.write(m), StandardCharsets.UTF_8);
    }

    /** One chain step: SHA-256 (hex) over the previous hash, a newline and {@link #canonical} of the entry. */
    public static String chain(String prevHash, AuditEntry entry) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(prevHash.getBytes(StandardCharsets.US_ASCII));
            md.update((byte) '\n');
            md.update(canonical(entry).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Checks links given in the order they were read: each hash matches its entry and previous hash, and seq only
     * grows. In a complete log every link names the one before (seq may skip in logs stored before multi-site)
     * and the first starts at {@link #GENESIS}; an excerpt may leave entries out, so only links with consecutive seq
     * are checked against each other.
     *
     * @param what how the problems name a link, e.g. "audit.jsonl line"
     * @return every problem found, each naming the link; empty when the chain holds
     */
    public static List<String> verify(List<Link> links, String what, boolean complete) {
        Verifier v = new Verifier(what, complete, Integer.MAX_VALUE);
        links.forEach(v::accept);
        return v.problems();
    }

    /** The same check one link at a time, for a log too long to hold (keeps at most {@code maxProblems}). */
    public static final class Verifier {
        private final String what;
        private final boolean complete;
        private final int maxProblems;
        private final List<String> problems = new ArrayList<>();
        private Link before;
        private long count;

        public Verifier(String what, boolean complete, int maxProblems) {
            this.what = what;
            this.complete = complete;
            this.maxProblems = maxProblems;
        }

        public void accept(Link l) {
            count++;
            String name = what + " " + count + " (seq " + l.seq() + ")";
            if (!chain(l.prevHash(), l.entry()).equals(l.hash())) {
                add(name + ": its hash does not match its content (the entry was edited)");
            }
            if (before != null) {
                if (l.seq() <= before.seq()) {
                    add(name + ": comes after seq " + before.seq() + " (entries reordered or repeated)");
                } else if ((complete || l.seq() == before.seq() + 1) && !l.prevHash().equals(before.hash())) {
                    add(name + ": does not follow seq " + before.seq() + " (the chain is broken here: an entry was "
                            + "removed, inserted or edited)");
                }
            } else if (complete && !l.prevHash().equals(GENESIS)) {
                add(name + ": the log does not start at the beginning of the chain");
            }
            before = l;
        }

        private void add(String problem) {
            if (problems.size() < maxProblems) {
                problems.add(problem);
            }
        }

        public List<String> problems() {
            return List.copyOf(problems);
        }

        public long checked() {
            return count;
        }
    }

    /** The first problem of {@link #verify}, if any. */
    public static Optional<String> firstProblem(List<Link> links, String what, boolean complete) {
        return verify(links, what, complete).stream().findFirst();
    }
}
