package org.vigil.export.service;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.Json;
import org.vigil.evidence.ExportPackage;
import org.vigil.evidence.ExportPackage.AuditLine;
import org.vigil.evidence.PackageWriter;
import org.vigil.export.Evidence;
import org.vigil.export.ExportJob;
import org.vigil.export.config.ExportConfig;
import org.vigil.export.repository.EvidenceRepository;
import org.vigil.export.repository.JobRepository;
import org.vigil.runtime.audit.AuditPublisher;
import org.vigil.runtime.time.Sntp;

/**
 * Runs export jobs one at a time: the package is streamed to {@code <id>.zip.partial} (never held in memory),
 * fsynced, then renamed to {@code <id>.zip}. Progress is stored every second; cancellation is checked as often. At
 * start-up, jobs a stopped instance left running are queued again (they start over) or, after
 * {@code max-attempts}, failed with the reason, so none stays "running" forever.
 */
@ApplicationScoped
public class ExportRunner {

    private static final Logger LOG = Logger.getLogger(ExportRunner.class);
    private static final int MAX_EVENTS = 100_000;

    /** Thrown from the copy loop when the job was cancelled. */
    private static final class Cancelled extends RuntimeException {
        Cancelled() {
            super("cancelled", null, false, false);
        }
    }

    private final JobRepository jobs;
    private final InstantSource clock;
    private final EvidenceRepository evidence;
    private final SigningKeys keys;
    private final ExportConfig config;
    private final AuditPublisher audit;
    private final RemoteFootage remote;
    private final String version;
    private final Semaphore wake = new Semaphore(0);
    private ExecutorService worker;
    private volatile boolean stopping;
    private final MeterRegistry metrics;
    private final java.util.concurrent.atomic.AtomicLong queued = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();

    public ExportRunner(JobRepository jobs, EvidenceRepository evidence, SigningKeys keys, ExportConfig config,
            AuditPublisher audit, RemoteFootage remote,
            @ConfigProperty(name = "quarkus.application.version") String version, MeterRegistry metrics,
            InstantSource clock) {
        this.clock = clock;
        this.remote = remote;
        this.metrics = metrics;
        Gauge.builder("vigil_export_jobs_queued", queued, Number::doubleValue).strongReference(true).register(metrics);
        Gauge.builder("vigil_export_jobs_running", running, Number::doubleValue).strongReference(true)
                .register(metrics);
        for (String outcome : List.of(ExportJob.DONE, ExportJob.FAILED, ExportJob.CANCELLED)) {
            metrics.counter("vigil_export_jobs_total", "outcome", outcome); // every series from the start: rate() works
        }
        this.jobs = jobs;
        this.evidence = evidence;
        this.keys = keys;
        this.config = config;
        this.audit = audit;
        this.version = version;
    }

    void start(@Observes StartupEvent e) throws IOException {
        Files.createDirectories(config.exportsDir());
        int[] recovered = jobs.recoverInterrupted(config.maxAttempts(), clock.instant());
        if (recovered[0] + recovered[1] > 0) {
            LOG.warnf("exports interrupted by a stop: %d started again, %d failed after %d attempts", recovered[0],
                    recovered[1], config.maxAttempts());
        }
        worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "export-runner"));
        worker.submit(this::loop);
    }

    void stop(@Observes ShutdownEvent e) throws InterruptedException {
        stopping = true;
        wake.release();
        if (worker != null) {
            worker.shutdownNow();
            worker.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** A new job is waiting. */
    public void wake() {
        wake.release();
    }

    public Path packagePath(String id) {
        return config.exportsDir().resolve(id + ".zip");
    }

    private void loop() {
        while (!stopping) {
            try {
                var job = jobs.claimNext(clock.instant());
                queued.set(jobs.queued());
                if (job.isPresent()) {
                    running.incrementAndGet();
                    long started = System.nanoTime();
                    try {
                        String outcome = run(job.get());
                        metrics.counter("vigil_export_jobs_total", "outcome", outcome).increment();
                        metrics.timer("vigil_export_duration_seconds", "outcome", outcome)
                                .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
                    } finally {
                        running.decrementAndGet();
                    }
                } else {
                    wake.tryAcquire(2, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (stopping) {
                    return;
                }
                LOG.errorf(e, "export runner: %s", e.getMessage());
                try {
                    wake.tryAcquire(2, TimeUnit.SECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Runs one claimed job to its end; returns the outcome: {@code done}, {@code failed} or {@code cancelled}. */
    String run(ExportJob job) {
        Path partial = config.exportsDir().resolve(job.id() + ".zip.partial");
        Path fetchDir = config.exportsDir().resolve(job.id() + ".fetch");
        try {
            List<Evidence.Segment> segments = evidence.segments(job.cameras(), job.from(), job.to());
            for (Evidence.Segment s : segments) {
                if (!remote.remote(s.site()) && !Files.isRegularFile(Path.of(s.root()).resolve(s.path()))) {
                    fail(job, "the recording " + s.path() + " is indexed but missing on disk");
                    return ExportJob.FAILED;
                }
            }
            long fetchBytes = segments.stream().filter(s -> remote.remote(s.site()))
                    .mapToLong(Evidence.Segment::bytes).sum();
            long total = segments.stream().mapToLong(Evidence.Segment::bytes).sum() * (job.includeMp4() ? 2 : 1)
                    + fetchBytes;
            long[] copied = {0};
            long[] lastReport = {System.nanoTime()};
            if (fetchBytes > 0) {
                try {
                    segments = fetchRemote(job, segments, fetchDir, total, copied, lastReport);
                } catch (RemoteFootage.Refused r) {
                    fail(job, r.getMessage());
                    return ExportJob.FAILED;
                }
            }
            awaitOwnAuditEntry(job);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            Files.deleteIfExists(partial);
            try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                OutputStream out = new DigestOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch),
                        1 << 20), sha);
                PackageWriter w = new PackageWriter(out);
                write(job, segments, total, w, copied, lastReport);
                ch.force(true);
                w.close(); // after the fsync: closing also closes the channel
            }
            Path done = packagePath(job.id());
            Files.move(partial, done, StandardCopyOption.ATOMIC_MOVE);
            long size = Files.size(done);
            String hash = HexFormat.of().formatHex(sha.digest());
            jobs.progress(job.id(), total, total);
            finish(job, ExportJob.DONE, null, size, hash, audit.entry(job.requestedBy(), "export.complete",
                    AuditEntry.EXPORT + job.id(), String.join(",", job.sites()), "success", Map.of("sha256", hash,
                            "bytes", Long.toString(size))));
            LOG.infof("export %s done: %d segments, %d bytes, sha256 %s", job.id(), segments.size(), size, hash);
            return ExportJob.DONE;
        } catch (Cancelled c) {
            deleteQuietly(partial);
            // audited when it was asked for (export.cancel)
            jobs.finish(job.id(), ExportJob.CANCELLED, null, null, null, clock.instant(),
                    tx -> Uni.createFrom().voidItem());
            LOG.infof("export %s cancelled", job.id());
            return ExportJob.CANCELLED;
        } catch (IOException e) {
            deleteQuietly(partial);
            String reason = diskFull(e) ? "disk full: " + freeBytes() + " bytes free on the exports volume"
                    : "could not write the package: " + e;
            LOG.warnf(e, "export %s: %s", job.id(), reason);
            fail(job, reason);
            return ExportJob.FAILED;
        } catch (RuntimeException | java.security.NoSuchAlgorithmException e) {
            deleteQuietly(partial);
            String errorId = UUID.randomUUID().toString();
            LOG.errorf(e, "export %s failed, error id %s", job.id(), errorId);
            fail(job, "internal error " + errorId + " (see the export service's log)");
            return ExportJob.FAILED;
        } finally {
            deleteTree(fetchDir);
        }
    }

    /**
     * Fetches the segments of remote sites into {@code dir}, each checked against its indexed hash (design 0017 §3),
     * and returns the job's segments with those replaced by their local copies.
     */
    private List<Evidence.Segment> fetchRemote(ExportJob job, List<Evidence.Segment> segments, Path dir, long total,
            long[] done, long[] lastReport) throws IOException, RemoteFootage.Refused {
        String grant = jobs.footageGrant(job.id()).orElse(null);
        deleteTree(dir); // what an interrupted attempt fetched is fetched again
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        List<Evidence.Segment> out = new java.util.ArrayList<>(segments.size());
        int fetched = 0;
        for (Evidence.Segment s : segments) {
            if (!remote.remote(s.site())) {
                out.add(s);
                continue;
            }
            Path local = remote.fetch(s, grant, dir, n -> {
                done[0] += n;
                report(job, done[0], total, lastReport);
            });
            out.add(new Evidence.Segment(s.segmentId(), s.cameraId(), s.site(), dir.toString(),
                    local.getFileName().toString(), s.startedAt(), s.endedAt(), s.frames(), s.bytes(), s.sha256()));
            fetched++;
        }
        LOG.infof("export %s: fetched %d segments from remote sites, each matching its indexed sha256", job.id(),
                fetched);
        return out;
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.list(dir)) {
            files.forEach(ExportRunner::deleteQuietly);
        } catch (IOException e) {
            LOG.warnf("could not empty %s: %s", dir, e.getMessage());
        }
        deleteQuietly(dir);
    }

    private void write(ExportJob job, List<Evidence.Segment> segments, long total, PackageWriter w, long[] done,
            long[] lastReport) throws IOException {
        for (Evidence.Segment s : segments) {
            Path file = Path.of(s.root()).resolve(s.path());
            try (InputStream in = Files.newInputStream(file)) {
                w.add(ExportPackage.SEGMENTS_DIR + s.cameraId() + "/" + file.getFileName(), in, false, n -> {
                    done[0] += n;
                    report(job, done[0], total, lastReport);
                });
            }
        }
        if (job.includeMp4()) {
            for (String camera : job.cameras()) {
                List<Evidence.Segment> own = segments.stream().filter(s -> s.cameraId().equals(camera)).toList();
                if (!own.isEmpty()) {
                    Path mp4 = config.exportsDir().resolve(job.id() + "-" + camera + ".mp4.tmp");
                    try {
                        Mp4Copy.write(own, mp4);
                        try (InputStream in = Files.newInputStream(mp4)) {
                            w.add(ExportPackage.MP4_DIR + camera + ".mp4", in, false, n -> {
                                done[0] += n;
                                report(job, done[0], total, lastReport);
                            });
                        }
                    } finally {
                        deleteQuietly(mp4);
                    }
                }
            }
        }
        List<Evidence.Event> events = evidence.events(job.cameras(), job.from(), job.to(), MAX_EVENTS);
        w.add(ExportPackage.EVENTS_JSON, Json.write(events));
        w.add(ExportPackage.EVENTS_CSV, EventsCsv.of(events).getBytes(StandardCharsets.UTF_8));
        w.add(ExportPackage.BOOKMARKS_JSON, Json.write(evidence.bookmarks(job.cameras(), job.from(), job.to(),
                MAX_EVENTS)));
        StringBuilder lines = new StringBuilder();
        EvidenceRepository.AuditExcerpt excerpt = evidence.audit(job.cameras(), job.id());
        for (AuditLine l : excerpt.lines()) {
            lines.append(new String(Json.write(l), StandardCharsets.UTF_8)).append('\n');
        }
        w.add(ExportPackage.AUDIT, lines.toString().getBytes(StandardCharsets.UTF_8));
        Sntp.Result time = Sntp.query(config.ntpServer(), Duration.ofSeconds(2));
        w.finish(new ExportPackage.Manifest(null, job.id(), clock.instant(), job.requestedBy(), job.reason(),
                job.caseId(), job.cameras(), job.from(), job.to(),
                new ExportPackage.TimeSync(time.status(), time.offsetMs(), time.server()),
                new ExportPackage.Software("vigil-export-service", version), null, null, excerpt.summary(),
                evidence.siteClocks(job.sites())),
                keys.pair());
    }

    /** Stores progress and looks for a cancellation, at most every {@code progress-every}. */
    private void report(ExportJob job, long done, long total, long[] lastReport) {
        if (System.nanoTime() - lastReport[0] > config.progressEvery().toNanos()) {
            lastReport[0] = System.nanoTime();
            jobs.progress(job.id(), done, total);
            if (stopping || jobs.cancelRequested(job.id())) {
                throw new Cancelled();
            }
        }
    }

    /** The excerpt should hold this export's own creation entry: wait briefly for the event service to chain it. */
    private void awaitOwnAuditEntry(ExportJob job) {
        long deadline = System.nanoTime() + config.auditWait().toNanos();
        while (System.nanoTime() < deadline) {
            if (evidence.audit(List.of(), job.id()).lines().stream().anyMatch(l -> "export.create".equals(l.action()))) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.warnf("export %s: its creation is not in the audit chain after %d s; the excerpt will lack it", job.id(),
                config.auditWait().toSeconds());
    }

    private void fail(ExportJob job, String reason) {
        finish(job, ExportJob.FAILED, reason, null, null, audit.entry(job.requestedBy(), "export.complete",
                AuditEntry.EXPORT + job.id(), String.join(",", job.sites()), "failure", Map.of("reason", reason)));
        LOG.warnf("export %s failed: %s", job.id(), reason);
    }

    /** A job's end and its audit entry, in one transaction: a finished job never lacks its entry. */
    private void finish(ExportJob job, String state, String error, Long size, String sha256,
            AuditPublisher.Entry entry) {
        jobs.finish(job.id(), state, error, size, sha256, clock.instant(), tx -> audit.storeIn(tx, List.of(entry)));
    }

    private static boolean diskFull(IOException e) {
        return String.valueOf(e.getMessage()).contains("No space left") || e instanceof java.nio.file.FileSystemException
                && String.valueOf(((java.nio.file.FileSystemException) e).getReason()).contains("No space");
    }

    private long freeBytes() {
        try {
            return Files.getFileStore(config.exportsDir()).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warnf("could not delete %s: %s", p, e.getMessage());
        }
    }
}
