package org.vigil.export.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.contracts.Access;
import org.vigil.contracts.AuditEntry;
import org.vigil.export.Evidence;
import org.vigil.export.ExportJob;
import org.vigil.export.config.ExportConfig;
import org.vigil.export.repository.EvidenceRepository;
import org.vigil.export.repository.JobRepository;
import org.vigil.runtime.audit.AuditPublisher;

/**
 * Export jobs as callers see them: checked and queued here (role, sites, range, recordings present, room on disk),
 * run by {@link ExportRunner}. Every job, download and cancellation is audited.
 */
@ApplicationScoped
public class ExportJobs {

    private static final Pattern CAMERA = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final int MAX_CAMERAS = 16;

    /** Who asks: name and sites from the bearer token. */
    public record Caller(String name, List<String> sites) {
    }

    /** What a job should cover. */
    public record Request(List<String> cameras, Instant from, Instant to, String reason, String caseId,
            boolean includeMp4) {
    }

    private final JobRepository jobs;
    private final InstantSource clock;
    private final EvidenceRepository evidence;
    private final ExportConfig config;
    private final AuditPublisher audit;
    private final ExportRunner runner;
    private final RemoteFootage remote;

    public ExportJobs(JobRepository jobs, EvidenceRepository evidence, ExportConfig config, AuditPublisher audit,
            ExportRunner runner, RemoteFootage remote, InstantSource clock) {
        this.clock = clock;
        this.remote = remote;
        this.jobs = jobs;
        this.evidence = evidence;
        this.config = config;
        this.audit = audit;
        this.runner = runner;
    }

    /**
     * Queues a new export.
     *
     * @param footageGrant what the job fetches a remote site's segments with (from central's gateway); may be null
     *                     when every segment is on this service's recordings volume
     */
    public ExportJob create(Caller caller, Request r, String footageGrant) {
        validate(r);
        List<String> cameras = List.copyOf(new TreeSet<>(r.cameras()));
        Map<String, String> sites = evidence.sitesOf(cameras);
        for (String camera : cameras) {
            String site = sites.get(camera);
            if (site == null || !Access.siteAllowed(caller.sites(), site)) {
                throw new ExportProblem(404, "not_found", "no recording of camera " + camera + " on your sites");
            }
        }
        List<Evidence.Segment> segments = evidence.segments(cameras, r.from(), r.to());
        if (segments.isEmpty()) {
            throw new ExportProblem(404, "not_found", "no recording of " + String.join(", ", cameras) + " between "
                    + r.from() + " and " + r.to());
        }
        checkPresent(segments.stream().filter(s -> !remote.remote(s.site())).toList());
        List<Evidence.Segment> fetched = segments.stream().filter(s -> remote.remote(s.site())).toList();
        if (!fetched.isEmpty() && (footageGrant == null || footageGrant.isBlank())) {
            throw new ExportProblem(409, "no_footage_grant", "the recordings of site " + fetched.get(0).site()
                    + " are at that site: ask for this export through central's gateway, which lets the job fetch "
                    + "them", Map.of("site", fetched.get(0).site()));
        }
        long bytes = segments.stream().mapToLong(Evidence.Segment::bytes).sum() * (r.includeMp4() ? 2 : 1);
        // a remote site's segments are fetched first and kept beside the package until it is written
        checkRoom(bytes + fetched.stream().mapToLong(Evidence.Segment::bytes).sum());
        Instant now = clock.instant();
        ExportJob job = new ExportJob(UUID.randomUUID().toString(), ExportJob.QUEUED, cameras,
                List.copyOf(new TreeSet<>(sites.values())), r.from(), r.to(), r.reason().strip(),
                r.caseId() == null || r.caseId().isBlank() ? null : r.caseId().strip(), r.includeMp4(), caller.name(),
                now, null, null,
                0, false, bytes, 0, null, null, null);
        Map<String, String> details = new LinkedHashMap<>();
        details.put("cameras", String.join(",", cameras));
        details.put("from", r.from().toString());
        details.put("to", r.to().toString());
        details.put("reason", job.reason());
        if (job.caseId() != null) {
            details.put("case", job.caseId());
        }
        details.put("segments", Integer.toString(segments.size()));
        details.put("bytes", Long.toString(bytes));
        details.put("mp4", Boolean.toString(r.includeMp4()));
        AuditPublisher.Entry created = audit.entry(caller.name(), "export.create", AuditEntry.EXPORT + job.id(),
                String.join(",", job.sites()), "success", details);
        jobs.insert(job, fetched.isEmpty() ? null : footageGrant, tx -> audit.storeIn(tx, List.of(created)));
        runner.wake();
        return job;
    }

    /** Jobs the caller may see: those of their sites. */
    public List<ExportJob> list(Caller caller) {
        List<ExportJob> out = new ArrayList<>();
        for (ExportJob j : jobs.recent(200)) {
            if (visible(caller, j)) {
                out.add(j);
            }
        }
        return out;
    }

    public ExportJob get(Caller caller, String id) {
        return find(id).filter(j -> visible(caller, j))
                .orElseThrow(() -> new ExportProblem(404, "not_found", "no export " + id));
    }

    public ExportJob cancel(Caller caller, String id) {
        ExportJob j = get(caller, id);
        AuditPublisher.Entry cancelled = audit.entry(caller.name(), "export.cancel", AuditEntry.EXPORT + id,
                String.join(",", j.sites()), "success", Map.of());
        return jobs.requestCancel(j.id(), clock.instant(), tx -> audit.storeIn(tx, List.of(cancelled)))
                .orElseThrow(() -> new ExportProblem(409, "not_cancellable", "export " + id + " is " + j.state()
                        + "; only queued or running exports can be cancelled"));
    }

    /** The finished package of a job the caller may see. */
    public Path download(Caller caller, String id) {
        ExportJob j = get(caller, id);
        if (!ExportJob.DONE.equals(j.state())) {
            throw new ExportProblem(409, "not_ready", "export " + id + " is " + j.state() + ", not done");
        }
        Path file = runner.packagePath(j.id());
        if (!Files.isRegularFile(file)) {
            throw new ExportProblem(410, "gone", "the package of export " + id + " is no longer on disk");
        }
        audit.record(caller.name(), "export.download", AuditEntry.EXPORT + id, String.join(",", j.sites()), "success",
                Map.of("sha256", String.valueOf(j.sha256())));
        return file;
    }

    private Optional<ExportJob> find(String id) {
        try {
            UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return jobs.find(id);
    }

    private static boolean visible(Caller caller, ExportJob j) {
        return j.sites().stream().allMatch(s -> Access.siteAllowed(caller.sites(), s));
    }

    private void validate(Request r) {
        if (r == null || r.cameras() == null || r.cameras().isEmpty() || r.cameras().size() > MAX_CAMERAS) {
            throw new ExportProblem(400, "invalid_cameras", "give 1 to " + MAX_CAMERAS + " camera ids",
                    Map.of("field", "cameras"));
        }
        for (String c : r.cameras()) {
            if (c == null || !CAMERA.matcher(c).matches()) {
                throw new ExportProblem(400, "invalid_cameras", "not a camera id: " + c, Map.of("field", "cameras"));
            }
        }
        if (r.from() == null || r.to() == null || !r.to().isAfter(r.from())) {
            throw new ExportProblem(400, "invalid_range", "give from and to (ISO-8601 UTC), to after from",
                    Map.of("field", "to"));
        }
        if (Duration.between(r.from(), r.to()).compareTo(config.maxRange()) > 0) {
            throw new ExportProblem(400, "invalid_range", "an export covers at most " + config.maxRange().toHours()
                    + " hours", Map.of("field", "to"));
        }
        if (r.reason() == null || r.reason().strip().length() < 3 || r.reason().length() > 500) {
            throw new ExportProblem(400, "invalid_reason", "give a reason or case description of 3 to 500 characters",
                    Map.of("field", "reason"));
        }
        if (r.caseId() != null && r.caseId().length() > 100) {
            throw new ExportProblem(400, "invalid_caseId", "a case id is at most 100 characters",
                    Map.of("field", "caseId"));
        }
    }

    /** 409 naming the first indexed segment whose file is gone. */
    void checkPresent(List<Evidence.Segment> segments) {
        for (Evidence.Segment s : segments) {
            if (!Files.isRegularFile(Path.of(s.root()).resolve(s.path()))) {
                throw new ExportProblem(409, "missing_segment", "the recording " + s.path() + " is indexed but missing "
                        + "on disk; nothing was exported", Map.of("segment", s.path()));
            }
        }
    }

    /** 507 with the free space when the package would not fit. */
    private void checkRoom(long bytes) {
        try {
            Files.createDirectories(config.exportsDir());
            long free = Files.getFileStore(config.exportsDir()).getUsableSpace();
            long needed = bytes + config.freeMargin().asLongValue();
            if (free < needed) {
                throw new ExportProblem(507, "insufficient_storage", "not enough space for this export: "
                        + free + " bytes free, " + needed + " needed", Map.of("freeBytes", free, "neededBytes", needed));
            }
        } catch (IOException e) {
            throw new ExportProblem(507, "insufficient_storage", "the exports volume is not usable: " + e.getMessage());
        }
    }
}
