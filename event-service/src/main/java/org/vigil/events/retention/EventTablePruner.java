package org.vigil.events.retention;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.events.config.EventRetentionConfig;
import org.vigil.events.retention.EventPruneRepository.Table;
import org.vigil.events.retention.EventRetention.Rows;
import org.vigil.runtime.db.IngestPacing;

/**
 * Events and AI data go by whole days: a day with no held row is detached from its partitioned table and dropped; a
 * day with held rows keeps them and loses the rest by key. Snapshots no event refers to any more go after them.
 */
@ApplicationScoped
public class EventTablePruner {

    /** How long a detach may wait for each lock (and for older transactions) before the day is left for next run. */
    private static final Duration LOCK_WAIT = Duration.ofMillis(200);
    /** Detached days dropped in one transaction (PostgreSQL flushes the WAL at each commit that drops tables). */
    private static final int DROP_BATCH = 8;

    private final EventPruneRepository events;
    private final int eventsDays;
    private final int aiDataDays;

    public EventTablePruner(EventPruneRepository events, EventRetentionConfig config) {
        this.events = events;
        this.eventsDays = positive("RETENTION_EVENTS_DAYS", config.eventsDays());
        this.aiDataDays = positive("RETENTION_AI_DATA_DAYS", config.aiDataDays());
    }

    private static int positive(String name, int days) {
        if (days < 1) {
            throw new IllegalArgumentException(name + ": '" + days + "' is not a whole number of days, 1 or more");
        }
        return days;
    }

    int eventsDays() {
        return eventsDays;
    }

    int aiDataDays() {
        return aiDataDays;
    }

    /** What each table has due now (and how much of it is held), without deleting. */
    Map<String, Rows> due(Instant now) {
        Map<String, Rows> rows = new LinkedHashMap<>();
        for (Table t : Table.values()) {
            EventPruneRepository.Due d = events.due(t, EventPruneRepository.dayBoundary(eventsCutoff(t, now)), now);
            rows.put(t.name, new Rows(d.rows(), d.held(), 0, 0, 0));
        }
        return rows;
    }

    /** Prunes every table past its policy, then orphaned snapshots; the rows deleted per table. */
    Map<String, Rows> prune(Instant now, List<String> warnings) {
        Map<String, Rows> rows = new LinkedHashMap<>();
        for (Table t : Table.values()) {
            rows.put(t.name, pruneTable(t, now, warnings));
        }
        long s0 = System.nanoTime();
        long snapshots = events.deleteSnapshots(EventPruneRepository.dayBoundary(now.minus(
                Duration.ofDays(eventsDays))));
        rows.put("snapshots", new Rows(snapshots, 0, 0, 0, (System.nanoTime() - s0) / 1_000_000));
        long r0 = System.nanoTime();
        long reviews = events.deleteReviews(EventPruneRepository.dayBoundary(now.minus(Duration.ofDays(eventsDays))));
        rows.put("reviews", new Rows(reviews, 0, 0, 0, (System.nanoTime() - r0) / 1_000_000));
        long b0 = System.nanoTime();
        long bookmarks = events.deleteBookmarks(EventPruneRepository.dayBoundary(now.minus(Duration.ofDays(
                eventsDays))), now);
        rows.put("bookmarks", new Rows(bookmarks, 0, 0, 0, (System.nanoTime() - b0) / 1_000_000));
        return rows;
    }


    private Instant eventsCutoff(Table t, Instant now) {
        int days = t.policy == EventPruneRepository.Policy.AI_DATA ? aiDataDays : eventsDays;
        return now.minus(Duration.ofDays(days));
    }


    /**
     * One table's due days, a day at a time, with a pause after each step as long as it took (see
     * {@link IngestPacing}): a day with held rows keeps them and loses the rest by key; any other day is detached
     * concurrently, and the detached days are dropped several to a transaction. A day whose lock a long reader holds
     * is left for the next run (reported as busy).
     */
    private Rows pruneTable(Table t, Instant now, List<String> warnings) {
        long t0 = System.nanoTime();
        Instant boundary = EventPruneRepository.dayBoundary(eventsCutoff(t, now));
        long deleted = 0;
        long kept = 0;
        int dropped = 0;
        int busy = 0;
        Map<String, Boolean> attached = events.attached(t); // day → its detach is pending
        List<String> detached = new ArrayList<>();
        boolean pendingLeft = false;
        for (String day : events.daysBefore(t, boundary)) {
            long b0 = System.nanoTime();
            if (Boolean.TRUE.equals(attached.get(day))) {
                if (!events.finishDetach(t, day, LOCK_WAIT)) {
                    busy++;
                    pendingLeft = true; // one pending detach per table: the other attached days wait too
                    continue;
                }
                attached.remove(day);
            }
            long held = events.heldRows(t, day, now);
            if (held > 0 && !attached.containsKey(day)) {
                events.reattach(t, day); // detached by an earlier run, and a hold came since
                attached.put(day, false);
            }
            if (held > 0) {
                kept += held;
                int n;
                do {
                    long d0 = System.nanoTime();
                    n = events.deleteUnheldBatch(t, day, now);
                    deleted += n;
                    IngestPacing.yieldAfter(d0);
                } while (n == EventPruneRepository.batch());
                continue;
            }
            if (attached.containsKey(day)) {
                if (pendingLeft || !events.detach(t, day, LOCK_WAIT)) {
                    busy++;
                    pendingLeft = true;
                    continue;
                }
                IngestPacing.yieldAfter(b0);
            }
            detached.add(day);
        }
        for (int i = 0; i < detached.size(); i += DROP_BATCH) {
            long b0 = System.nanoTime();
            List<String> chunk = detached.subList(i, Math.min(detached.size(), i + DROP_BATCH));
            Map<String, Long> gone = events.dropDetached(t, chunk, now);
            for (String day : chunk) {
                if (gone.containsKey(day)) {
                    deleted += gone.get(day);
                    dropped++;
                } else { // a hold was placed since the check above: the day goes back, whole
                    events.reattach(t, day);
                    warnings.add(day + " was kept: a hold was placed on it during the run");
                }
            }
            IngestPacing.yieldAfter(b0);
        }
        if (busy > 0) {
            warnings.add(busy + " day(s) of " + t.name + " were left for the next run: the table was busy");
        }
        return new Rows(deleted, kept, dropped, busy, (System.nanoTime() - t0) / 1_000_000);
    }
}
