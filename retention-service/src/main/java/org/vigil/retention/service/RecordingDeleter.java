package org.vigil.retention.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.retention.repository.PruneRepository;
import org.vigil.retention.repository.PruneRepository.Candidate;
import org.vigil.retention.repository.PruneRepository.QuotaGroup;
import org.vigil.retention.service.PruneReport.Deleted;
import org.vigil.retention.service.PruneReport.Emergency;
import org.vigil.runtime.db.IngestPacing;
import org.vigil.runtime.media.RecordingLayout;

/**
 * The three ways recordings go: past their age, over a camera's or site's quota, and the oldest first when the disk
 * runs low. Each deletes index rows by key in short statements that check the holds again, waits for that delete to
 * be durable, then deletes the files: a crash in between leaves a file without a row (for {@link OrphanFiles}), never
 * a row without its file.
 */
@ApplicationScoped
public class RecordingDeleter {

    private static final int BATCH = 500;

    private final PruneRepository repository;
    private final Policy policy;

    public RecordingDeleter(PruneRepository repository, Policy policy) {
        this.repository = repository;
        this.policy = policy;
    }

    /** Recordings past their camera's, site's or the default age. */
    Deleted byAge(Instant now, List<String> errors) {
        return drain(limit -> repository.pastAge(now, policy.cameras(), policy.sites(), policy.defaultDays(), limit),
                now, errors);
    }

    /** Recordings over a camera's or a site's quota, oldest first; a quota kept only by held footage is a warning. */
    Deleted byQuota(Instant now, List<String> errors, List<String> warnings) {
        Deleted d = drain(limit -> repository.overQuota(QuotaGroup.CAMERA, now, policy.cameraQuotas(), limit), now,
                errors).plus(drain(limit -> repository.overQuota(QuotaGroup.SITE, now, policy.siteQuotas(), limit),
                        now, errors));
        quotaWarnings(warnings);
        return d;
    }

    /** The oldest unheld recordings until {@code bytes} are freed; {@code exhausted} when none is left first. */
    Emergency oldestFirst(long bytes, Instant now, List<String> errors) {
        Deleted d = Deleted.NONE;
        while (d.bytes() < bytes) {
            List<Candidate> batch = repository.oldestUnheld(bytes - d.bytes(), now, BATCH);
            List<Candidate> gone = batch.isEmpty() ? List.of() : repository.deleteRows(batch, now);
            if (gone.isEmpty()) {
                return new Emergency(true, d, true);
            }
            d = d.plus(deleteFiles(gone, errors));
        }
        return new Emergency(true, d, false);
    }

    /** What the low-disk path would delete to free {@code bytes}, without deleting. */
    Deleted dueByLowDisk(long bytes, Instant now) {
        return bytes > 0 ? Deleted.of(repository.oldestUnheldSummary(bytes, now)) : Deleted.NONE;
    }


    Deleted dueByAge(Instant now) {
        return Deleted.of(repository.pastAgeSummary(now, policy.cameras(), policy.sites(), policy.defaultDays()));
    }


    /** What the age path would delete of {@code only}'s recordings were the cameras' days {@code cameras}. */
    Deleted dueByAgeOf(Instant now, Map<String, Integer> cameras, java.util.Set<String> only) {
        return Deleted.of(repository.pastAgeSummaryOf(now, cameras, policy.sites(), policy.defaultDays(), only));
    }

    Deleted dueByQuota(Instant now) {
        return Deleted.of(repository.overQuotaSummary(QuotaGroup.CAMERA, now, policy.cameraQuotas()))
                .plus(Deleted.of(repository.overQuotaSummary(QuotaGroup.SITE, now, policy.siteQuotas())));
    }


    /** Repeats select-then-delete until a batch comes back short or nothing in it could be deleted. */
    private Deleted drain(Function<Integer, List<Candidate>> select, Instant now, List<String> errors) {
        Deleted d = Deleted.NONE;
        List<Candidate> batch;
        do {
            long b0 = System.nanoTime();
            batch = select.apply(BATCH);
            PruneRepository.Gone gone = repository.deleteRowsLazily(batch, now);
            if (gone.rows().isEmpty()) {
                break; // nothing, or all held since they were selected
            }
            IngestPacing.yieldAfter(b0);
            // the rows' delete must be on disk before their files go: else a crash could bring back rows whose files
            // are gone. After the pause it almost always is (ingest's own commits flushed it).
            repository.awaitDurable(gone.walPosition());
            d = d.plus(deleteFiles(gone.rows(), errors));
        } while (batch.size() == BATCH);
        return d;
    }


    /** Deletes the files of rows already deleted; a failure is reported and left to the next reconcile. */
    private static Deleted deleteFiles(List<Candidate> gone, List<String> errors) {
        Deleted d = Deleted.NONE;
        for (Candidate c : gone) {
            Path file = Path.of(c.root()).resolve(c.path());
            try {
                Files.deleteIfExists(file);
                Files.deleteIfExists(file.resolveSibling(file.getFileName() + RecordingLayout.INDEX));
            } catch (IOException e) {
                errors.add(c.path() + ": " + e.getMessage());
            }
            d = d.plus(c);
        }
        return d;
    }


    /** After the quota path, a camera or site still over its quota is over by held footage: the report says so. */
    private void quotaWarnings(List<String> warnings) {
        for (QuotaGroup g : QuotaGroup.values()) {
            Map<String, Long> quotas = g == QuotaGroup.CAMERA ? policy.cameraQuotas() : policy.siteQuotas();
            repository.usageBy(g, quotas.keySet()).forEach((name, used) -> {
                if (used > quotas.get(name)) {
                    warnings.add(g.name().toLowerCase() + " " + name + " is over its quota by " + (used
                            - quotas.get(name)) + " bytes of footage under legal hold");
                }
            });
        }
    }
}
