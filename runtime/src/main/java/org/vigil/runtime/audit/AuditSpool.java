package org.vigil.runtime.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.Json;

/**
 * The audit outbox of a service without a database (the recorder): a directory of files on the service's own disk,
 * with {@link AuditPublisher}'s failure policy:
 * <ol>
 * <li>{@link #record} writes the entry to a file of its own (under a temporary name, fsynced, renamed atomically to its
 * final name, the directory fsynced) and returns: the entry survives a broker outage, a crash and a restart; the
 * caller never waits for Kafka and is never failed by auditing.</li>
 * <li>A relay thread sends the spooled entries to {@code vigil.audit.v1} in the order they were recorded
 * ({@code acks=all}, idempotent producer, key: the entry's id, the caller's {@code traceparent} header) and deletes
 * each file only once Kafka acknowledged it. While Kafka is down, files wait, and the relay retries from 1 s up to
 * every 10 s. An entry sent twice (a crash between the acknowledgement and the delete, or a send that arrived although
 * it was not acknowledged in time) is dropped by the event service, which keeps one entry per id (its ingest skips an
 * id already in {@code events.audit_log}).</li>
 * <li>If the spool cannot take the entry (a full or read-only disk, or {@value #MAX_PENDING} entries waiting already),
 * the entry is sent to Kafka directly (the caller's thread may then wait up to 15 s for Kafka's metadata); if that
 * fails too, it is logged at ERROR with its id, action, actor and target (never its details) and counted in
 * {@code vigil_audit_lost_total}.</li>
 * </ol>
 * The layout, owner-only (directories {@code rwx------}, files {@code rw-------}):
 *
 * <pre>{@code
 * <dir>/<started yyyyMMdd'T'HHmmss.SSS'Z'>-<8 hex>/   one per running spool (process); its .lock is held while it runs
 *     .lock
 *     <sequence, 20 digits>-<entry id>.audit           one entry: its traceparent (or an empty line), then its JSON
 *     .tmp-<sequence>-<entry id>                       being written: never sent; removed when found after a crash
 * }</pre>
 *
 * Several processes may share {@code <dir>} (recorders on one shared recordings volume): each writes into a
 * directory of its own and relays it. A directory whose {@code .lock} no process holds (an OS file lock, released
 * when its process ends, crash included) was left by a spool that stopped with entries unsent: at start and every
 * 30 s the relay takes it over (locks it), removes its temporary files, sends its entries in order and deletes it. So
 * the next start, or another instance, sends what a crash or an outage at shutdown left; entries found at start go
 * out before this spool's own. On a file system without locks nothing is taken over (logged once).
 * <p>
 * Metrics, as {@link AuditPublisher}'s: {@code vigil_audit_sent_total}, {@code vigil_audit_lost_total} and
 * {@code vigil_audit_outbox_pending} (entries in this spool, and in a stopped one being taken over, not yet
 * acknowledged). {@link #close} waits a few seconds for the spool to empty; what is left is sent later.
 */
public final class AuditSpool implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AuditSpool.class);
    /** Entries one spool holds at most (a file each: about 400 MB of 4 KB blocks); more are sent directly. */
    public static final int MAX_PENDING = 100_000;
    /** An entry's file name ends so; anything else in a spool directory is never sent. */
    static final String SUFFIX = ".audit";
    /** A file being written starts so. */
    static final String TEMP_PREFIX = ".tmp-";
    static final String LOCK = ".lock";
    private static final int BATCH = 500;
    /** How long a send may wait for Kafka, unless {@code kafka} gives {@code max.block.ms}. */
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(15);
    private static final long MAX_BACKOFF_MILLIS = 10_000;
    private static final Duration TAKE_OVER_EVERY = Duration.ofSeconds(30);
    private static final Duration FLUSH_ON_CLOSE = Duration.ofSeconds(3);
    private static final DateTimeFormatter STARTED = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    /**
     * The spool directories this JVM holds: a take-over never opens their lock file (on POSIX, closing any channel of
     * a process on a locked file releases that process's lock).
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    /** This spool's directory and the channel holding its lock. */
    private record Own(Path dir, FileChannel lock) {
    }

    private final String service;
    private final Path dir;
    private final InstantSource clock;
    private final Producer<String, byte[]> producer;
    private final Semaphore wake = new Semaphore(0);
    private final AtomicLong ownPending = new AtomicLong();
    private final AtomicLong takenOverPending = new AtomicLong();
    private final AuditDelivery delivery;
    private final Thread relay;
    /** Guards {@link #own}, {@link #sequence} and {@link #closed}: one entry is written at a time, in order. */
    private final Object writing = new Object();
    /** Notified after each pass of the relay (the flush on close waits on it). */
    private final Object passes = new Object();
    private volatile boolean running = true;
    private volatile Own own;
    private long sequence;
    private boolean closed;
    private volatile boolean locksUnsupported;
    /** Directories a take-over could not read (warned once each); the relay's own. */
    private final Set<Path> unreadable = new HashSet<>();

    private AuditSpool(String service, Path dir, Properties kafka, InstantSource clock, MeterRegistry metrics) {
        this.service = service;
        this.dir = dir.toAbsolutePath().normalize();
        this.clock = clock;
        Duration sendTimeout = kafka.containsKey(ProducerConfig.MAX_BLOCK_MS_CONFIG)
                ? Duration.ofMillis(Long.parseLong(kafka.get(ProducerConfig.MAX_BLOCK_MS_CONFIG).toString()))
                : SEND_TIMEOUT;
        this.delivery = new AuditDelivery(service, "spool", kafka, sendTimeout, metrics);
        this.producer = delivery.producer;
        Gauge.builder("vigil_audit_outbox_pending", this, AuditSpool::pending)
                .description("audit entries in the outbox, not yet acknowledged by Kafka").register(metrics);
        this.relay = new Thread(this::relay, service + "-audit-relay");
        this.relay.setDaemon(true);
    }

    /**
     * Starts a spool for {@code service} in {@code dir} (created owner-only when missing); {@code kafka} holds at least
     * {@code bootstrap.servers}. What stopped spools left in {@code dir} is sent first.
     */
    public static AuditSpool start(String service, Path dir, Properties kafka, InstantSource clock,
            MeterRegistry metrics) {
        AuditSpool s = new AuditSpool(service, dir, kafka, clock, metrics);
        synchronized (s.writing) {
            try {
                s.own();
            } catch (IOException e) {
                LOG.errorf("audit spool %s cannot be written (%s): entries go to Kafka directly until it can", s.dir,
                        e.getMessage());
            }
        }
        s.wake.release(); // the first pass at once: what a crash left goes out now
        s.relay.start();
        return s;
    }

    /**
     * Records one action now, with the trace context of the caller's current span. Completes once the entry is durable
     * (on disk, or acknowledged by Kafka when the spool refused it); never completes exceptionally: a lost entry is
     * logged and counted instead.
     */
    public CompletionStage<Void> record(String actor, String action, String target, String site, String outcome,
            Map<String, String> details) {
        AuditEntry e = new AuditEntry(AuditEntry.VERSION, UUID.randomUUID().toString(), clock.instant(), service, actor,
                action, target, site, outcome, details == null ? Map.of() : details);
        return record(e, AuditPublisher.traceparent());
    }

    /**
     * Records an entry built by the caller, to be sent with {@code traceparent} (may be null); completes as
     * {@link #record(String, String, String, String, String, Map)} does.
     */
    public CompletionStage<Void> record(AuditEntry e, String traceparent) {
        byte[] json = Json.write(e);
        try {
            spool(e.id(), json, traceparent);
            wake.release();
            return CompletableFuture.completedFuture(null);
        } catch (IOException | RuntimeException spoolFailure) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            delivery.sendDirectly(e, json, traceparent, spoolFailure, done);
            return done;
        }
    }

    /** Entries spooled, not yet acknowledged by Kafka (this spool's, and a stopped one's being taken over). */
    public long pending() {
        return ownPending.get() + takenOverPending.get();
    }

    /** Writes one entry's file: durable, under its final name, when this returns. */
    private void spool(String id, byte[] json, String traceparent) throws IOException {
        synchronized (writing) {
            if (closed) {
                throw new IOException("the spool is closed");
            }
            if (ownPending.get() >= MAX_PENDING) {
                throw new IOException(MAX_PENDING + " entries wait in it already");
            }
            Own o = own();
            String name = String.format(Locale.ROOT, "%020d-%s", ++sequence, id);
            Path temp = o.dir().resolve(TEMP_PREFIX + name);
            byte[] head = ((traceparent == null ? "" : traceparent) + "\n").getBytes(StandardCharsets.US_ASCII);
            try {
                try (FileChannel ch = FileChannel.open(temp, EnumSet.of(StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE), fileAttributes())) {
                    ByteBuffer b = ByteBuffer.allocate(head.length + json.length).put(head).put(json).flip();
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                    ch.force(true);
                }
                Files.move(temp, o.dir().resolve(name + SUFFIX), StandardCopyOption.ATOMIC_MOVE);
                ownPending.incrementAndGet(); // visible to the relay from here on
                fsync(o.dir());
            } catch (IOException e) {
                deleteQuietly(temp);
                if (!Files.isDirectory(o.dir())) {
                    forgetOwn(); // removed under us (taken over after a lost lock): the next entry makes a new one
                }
                throw e;
            }
        }
    }

    /** This spool's directory, made and locked on first need (again after a failure). Called holding writing. */
    private Own own() throws IOException {
        Own o = own;
        if (o != null) {
            return o;
        }
        privateDirectory(dir);
        for (int attempt = 1; attempt <= 5; attempt++) {
            Path d = dir.resolve(STARTED.format(clock.instant()) + "-"
                    + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
            FileChannel ch;
            try {
                Files.createDirectory(d, directoryAttributes());
                if (POSIX) {
                    Files.setPosixFilePermissions(d, DIRECTORY);
                }
                ch = FileChannel.open(d.resolve(LOCK), EnumSet.of(StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE), fileAttributes());
            } catch (FileAlreadyExistsException | NoSuchFileException e) {
                continue; // another instance's take-over found it first (and deletes it): another name
            }
            try {
                if (ch.tryLock() == null) {
                    ch.close();
                    continue; // likewise
                }
            } catch (OverlappingFileLockException e) {
                ch.close();
                continue;
            } catch (IOException e) {
                if (!locksUnsupported) {
                    locksUnsupported = true;
                    LOG.warnf("audit spool %s: no file locks here (%s); what a stopped spool leaves is not sent by "
                            + "another", dir, e.getMessage());
                }
            }
            fsync(dir);
            HELD.add(d);
            own = new Own(d, ch);
            return own;
        }
        throw new IOException("no directory of its own could be made and locked in " + dir);
    }

    /** Releases this spool's directory (its files stay, for a take-over). Called holding writing. */
    private void forgetOwn() {
        Own o = own;
        own = null;
        if (o != null) {
            try {
                o.lock().close();
            } catch (IOException e) {
                LOG.debugf("closing %s: %s", o.dir().resolve(LOCK), e.getMessage());
            }
            HELD.remove(o.dir());
        }
    }


    private void relay() {
        long backoff = 0;
        boolean failing = false;
        long nextTakeOver = System.nanoTime();
        while (running) {
            try {
                wake.tryAcquire(backoff > 0 ? backoff : 1000, TimeUnit.MILLISECONDS);
                wake.drainPermits();
                if (System.nanoTime() - nextTakeOver >= 0) {
                    takeOverStopped();
                    nextTakeOver = System.nanoTime() + TAKE_OVER_EVERY.toNanos();
                }
                Own o = own;
                if (o != null && ownPending.get() > 0) {
                    send(o.dir(), ownPending);
                }
                if (failing) {
                    LOG.infof("audit relay: Kafka takes entries again; %d wait in the spool", pending());
                }
                failing = false;
                backoff = 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException e) {
                if (!running) {
                    return;
                }
                if (!failing) {
                    LOG.warnf("audit relay: %s; %d entries wait in the spool %s (they are kept, and sent once it "
                            + "works)", e.getMessage(), pending(), dir);
                }
                failing = true;
                backoff = Math.min(MAX_BACKOFF_MILLIS, Math.max(1000, backoff * 2));
            } finally {
                synchronized (passes) {
                    passes.notifyAll();
                }
            }
        }
    }

    /** Sends what stopped spools left in {@link #dir}, oldest spool first, and deletes their directories. */
    private void takeOverStopped() throws IOException, InterruptedException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> others;
        try (Stream<Path> s = Files.list(dir)) {
            others = s.filter(p -> !p.getFileName().toString().startsWith(".") && !HELD.contains(p))
                    .filter(Files::isDirectory).sorted().toList();
        }
        takenOverPending.set(0);
        for (Path d : others) {
            try {
                takeOver(d);
            } catch (IOException e) {
                // one unreadable directory (another user's, a disk error) must not hold up the rest or this spool
                if (unreadable.add(d)) {
                    LOG.warnf("audit relay: cannot take over %s (%s); tried again every %d s", d, e.getMessage(),
                            TAKE_OVER_EVERY.toSeconds());
                }
            }
        }
    }

    private void takeOver(Path d) throws IOException, InterruptedException {
        FileChannel ch;
        try {
            ch = FileChannel.open(d.resolve(LOCK), EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                    fileAttributes());
        } catch (NoSuchFileException e) {
            return; // deleted meanwhile
        }
        try (ch) {
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                return; // held in this JVM by another spool
            } catch (IOException e) {
                if (!locksUnsupported) {
                    locksUnsupported = true;
                    LOG.warnf("audit spool %s: no file locks here (%s); %s is not taken over", dir, e.getMessage(), d);
                }
                return;
            }
            if (lock == null) {
                return; // its spool runs
            }
            try (Stream<Path> s = Files.list(d)) {
                for (Path p : s.filter(p -> p.getFileName().toString().startsWith(TEMP_PREFIX)).toList()) {
                    Files.deleteIfExists(p); // never renamed: its record call did not return, it sent directly
                }
            }
            try (Stream<Path> s = Files.list(d)) {
                takenOverPending.addAndGet(s.filter(AuditSpool::isEntry).count());
            }
            int n = send(d, takenOverPending);
            if (n > 0) {
                LOG.infof("audit relay: sent %d entries that a stopped spool left in %s", n, d);
            }
            Files.deleteIfExists(d.resolve(LOCK));
            try {
                Files.delete(d);
            } catch (DirectoryNotEmptyException | NoSuchFileException e) {
                // something else is there, or another relay deleted it: looked at again next time
            }
        }
    }

    /**
     * Sends the entries in {@code d} in order and deletes each once acknowledged, counting it off {@code waiting}; the
     * number sent. Throws when Kafka does not acknowledge one: it and what follows it wait for the next try.
     */
    private int send(Path d, AtomicLong waiting) throws IOException, InterruptedException {
        int total = 0;
        while (true) {
            List<Path> files;
            try (Stream<Path> s = Files.list(d)) {
                files = s.filter(AuditSpool::isEntry).sorted().limit(BATCH).toList();
            }
            if (files.isEmpty()) {
                return total;
            }
            List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
            for (Path f : files) {
                byte[] content = Files.readAllBytes(f);
                int nl = 0;
                while (nl < content.length && content[nl] != '\n') {
                    nl++;
                }
                String traceparent = nl == 0 || nl == content.length ? null
                        : new String(content, 0, nl, StandardCharsets.US_ASCII);
                byte[] json = nl == content.length ? content : Arrays.copyOfRange(content, nl + 1, content.length);
                records.add(AuditPublisher.record(idOf(f), json, traceparent));
            }
            AuditDelivery.Sent sent = delivery.sendInOrder(records);
            int acked = sent.acked();
            for (Path f : files.subList(0, acked)) {
                if (Files.deleteIfExists(f)) {
                    waiting.decrementAndGet();
                }
            }
            IllegalStateException failure = sent.failure();
            delivery.sent(acked);
            total += acked;
            if (failure != null) {
                throw failure;
            }
            if (files.size() < BATCH) {
                return total;
            }
        }
    }

    private static boolean isEntry(Path p) {
        String n = p.getFileName().toString();
        return n.endsWith(SUFFIX) && !n.startsWith(".");
    }

    /** The entry id in a file name {@code <sequence>-<id>.audit}. */
    private static String idOf(Path f) {
        String n = f.getFileName().toString();
        return n.substring(n.indexOf('-') + 1, n.length() - SUFFIX.length());
    }

    /** Makes {@code d} (its parents as the process makes directories) and leaves it owner-only. */
    private static void privateDirectory(Path d) throws IOException {
        try {
            Files.createDirectories(d.getParent());
            Files.createDirectory(d, directoryAttributes());
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(d)) {
                throw new IOException(d + " is not a directory", e);
            }
        }
        if (POSIX) {
            Files.setPosixFilePermissions(d, DIRECTORY);
        }
    }

    private static FileAttribute<?>[] directoryAttributes() {
        return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(DIRECTORY)}
                : new FileAttribute<?>[0];
    }

    private static FileAttribute<?>[] fileAttributes() {
        return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)} : new FileAttribute<?>[0];
    }

    /** Makes the names in a directory durable (a rename, a new file). */
    private static void fsync(Path d) throws IOException {
        try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.debugf("deleting %s: %s", p, e.getMessage());
        }
    }

    /**
     * Stops taking entries, waits up to 3 s for the relay to send what waits, stops it and closes the producer. A
     * directory left empty is deleted; what is still spooled stays, unlocked, and is sent by the next start or by
     * another instance sharing the directory. Returns within about 8 s whatever Kafka does.
     */
    @Override
    public void close() {
        synchronized (writing) {
            closed = true;
        }
        long deadline = System.nanoTime() + FLUSH_ON_CLOSE.toNanos();
        wake.release();
        synchronized (passes) {
            while (ownPending.get() > 0 && relay.isAlive()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    break;
                }
                try {
                    passes.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        running = false;
        wake.release();
        join(relay, 1000);
        producer.close(Duration.ofSeconds(3)); // a send blocked on a dead broker fails now, and the relay ends
        join(relay, 1000);
        synchronized (writing) {
            Own o = own;
            if (o == null) {
                return;
            }
            if (!relay.isAlive() && ownPending.get() == 0) {
                try (Stream<Path> s = Files.list(o.dir())) {
                    if (s.noneMatch(AuditSpool::isEntry)) {
                        Files.deleteIfExists(o.dir().resolve(LOCK));
                        Files.delete(o.dir());
                    }
                } catch (IOException e) {
                    LOG.debugf("removing %s: %s", o.dir(), e.getMessage());
                }
            } else {
                LOG.infof("audit spool: %d entries stay in %s; the next start (or another instance) sends them",
                        ownPending.get(), o.dir());
            }
            forgetOwn();
        }
    }

    private static void join(Thread t, long millis) {
        try {
            t.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
