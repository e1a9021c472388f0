package org.vigil.devstack.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.vigil.devstack.embedded.ChildProcesses;
import org.vigil.devstack.embedded.DevStack;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.embedded.WanSecurity;
import org.vigil.runtime.process.ProcessTree;

/**
 * {@code ./vigil up}: the whole system on one machine. Starts the embedded servers that are not external, then the
 * six services as separate JVMs, waits until each is ready, prints where to go, and on Ctrl-C stops everything in
 * order: services first, then Kafka, Redis and PostgreSQL.
 */
public final class Launcher {

    static final Duration READY_TIMEOUT = Duration.ofSeconds(180);
    private static final String PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    private final StackConfig cfg;
    private final PrintStream out;
    /** The services' processes now (a restart replaces an entry), for the orderly stop. */
    private final Map<String, ProcessHandle> services = new java.util.concurrent.ConcurrentHashMap<>();
    private Supervisor supervisor;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private ChildProcesses children;
    private DevStack devStack;
    private WanSecurity wanSecurity;
    /** Whether the synthetic camera had been offered before this start (read before the services start). */
    private boolean offeredBefore;
    private FileChannel lockChannel;
    private FileLock lock;

    public Launcher(StackConfig cfg, PrintStream out) {
        this.cfg = cfg;
        this.out = out;
    }

    /** Runs until interrupted (Ctrl-C) or until start-up fails; returns the exit code. */
    public int up() throws Exception {
        long t0 = System.nanoTime();
        prepareHome();
        acquireLock();
        Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown, "vigil-shutdown"));
        children = new ChildProcesses(cfg.run().resolve("children.pids"));
        for (String reaped : children.reapLeftovers()) {
            out.println("  stopped a process left by an earlier run: " + reaped);
        }
        if (cfg.externalDatabaseUrl().isEmpty()) {
            EmbeddedPostgresServer.stopLeftover(cfg.home().resolve("postgres")).ifPresent(pid -> out.println(
                    "  stopped a process left by an earlier run: postgres (pid " + pid + ")"));
        }
        checkBuilt();
        checkPortsFree();

        out.println("Vigil: starting with data in " + cfg.home());
        wanSecurity = cfg.siteNode().isPresent() ? WanSecurity.createOrLoad(cfg.home().resolve("site-link"),
                cfg.siteNode().get().id()) : null;
        // camera passwords are sealed by central's gateway and opened by capture with one key (design 0018 §3): a
        // single box makes its own; a site node's capture needs central's, given as VIGIL_CAMERA_KEY_FILE
        if (cfg.env().getOrDefault("VIGIL_CAMERA_KEY_FILE", "").isBlank() && cfg.siteNode().isEmpty()) {
            org.vigil.runtime.secrets.CameraKey.createOrLoad(cameraKey());
        }
        devStack = new DevStack(new DevStack.Plan(cfg.home(),
                cfg.externalKafka().isPresent() ? null : cfg.kafkaPort(),
                cfg.kafkaControllerPort(),
                cfg.externalDatabaseUrl().isPresent() || cfg.siteNode().isPresent() ? null : cfg.postgresPort(),
                cfg.externalRedisUrl().isPresent() || cfg.siteNode().isPresent() ? null : cfg.redisPort(),
                cfg.kafkaBootstrap(), mediaRetention(), cfg.siteNode().map(StackConfig.SiteNode::kafkaWan)
                        .orElse(null), wanSecurity), children, out::println);
        devStack.start();
        externalNote("kafka", cfg.externalKafka());
        externalNote("postgres", cfg.externalDatabaseUrl());
        externalNote("redis", cfg.externalRedisUrl());

        if (cfg.siteNode().isPresent()) {
            return siteNode(t0);
        }
        offeredBefore = demoCameraOffered();
        String adminPassword = randomPassword();
        // The gateway first: the others fetch its token keys when they start.
        StackConfig.Service gateway = cfg.gateway();
        services.put(gateway.name(), startService(gateway, adminPassword, true).toHandle());
        if (!awaitReady(List.of(gateway), System.nanoTime())) {
            shutdown();
            return 1;
        }
        List<StackConfig.Service> rest = cfg.services().subList(1, cfg.services().size());
        long restStarted = System.nanoTime();
        for (StackConfig.Service s : rest) {
            services.put(s.name(), startService(s, adminPassword, true).toHandle());
        }
        if (!awaitReady(rest, restStarted)) {
            shutdown();
            return 1;
        }
        printSummary(t0, adminLines(ReadinessProbe.login(cfg.gateway().port(), "admin", adminPassword),
                adminPassword));
        if (cameraSources(cfg.env().get("CAMERA_SOURCES"), offeredBefore).equals(DEMO_CAMERA)) {
            Files.writeString(demoCameraMarker(), "the synthetic camera was offered; it is not offered again\n");
        }
        supervise(adminPassword);
        settleHeapLater();
        stopped.await();
        return 0;
    }

    /**
     * How often the launcher collects its own heap (design 0030), after a first collection {@link #HEAP_SETTLE_FIRST}
     * after "Vigil is up". Kafka's
     * start-up (log recovery, topics, the first group joins) leaves tens of megabytes of garbage in the old generation,
     * and what an idle broker promotes after (about 4 MB a minute) stays there too: a small install's broker fills its
     * old generation so slowly that nothing would collect it and give the memory back for hours. A full collection of
     * this heap takes a fraction of a second of the broker's time (producers keep batching meanwhile).
     */
    static final Duration HEAP_SETTLE_EVERY = Duration.ofMinutes(5);

    /** When the launcher first collects its heap, after "Vigil is up". */
    static final Duration HEAP_SETTLE_FIRST = Duration.ofMinutes(1);

    /** The launcher's JVM (and Kafka in it) collected a minute after start and every five minutes after: about 40 MB less. */
    private void settleHeapLater() {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(HEAP_SETTLE_FIRST.toMillis());
                while (!stopping.get()) {
                    System.gc();
                    Thread.sleep(HEAP_SETTLE_EVERY.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "vigil-heap-settle");
        t.setDaemon(true);
        t.start();
    }

    /**
     * A site node (design 0017): capture and recorder on the site's own Kafka, started once that is; cameras come from
     * central's registry through central's site-link, tokens are checked against central's gateway's keys.
     */
    private int siteNode(long t0) throws Exception {
        long started = System.nanoTime();
        for (StackConfig.Service s : cfg.services()) {
            services.put(s.name(), startService(s, null, true).toHandle());
        }
        if (!awaitReady(cfg.services(), started)) {
            shutdown();
            return 1;
        }
        StackConfig.SiteNode site = cfg.siteNode().orElseThrow();
        String kafka = site.kafkaWan().substring(site.kafkaWan().indexOf('@') + 1);
        StackConfig.Service recorder = cfg.services().get(1);
        out.println();
        out.println("Vigil site node " + site.id() + " is up (" + since(t0) + "), linked to " + site.central() + ".");
        out.println("  At central, add this site to:");
        out.println("    VIGIL_SITES (site-link):             " + site.id() + "=" + kafka);
        out.println("    VIGIL_SITE_RECORDERS (gateway):      " + site.id() + "=http://" + cfg.publicHost() + ":"
                + recorder.port());
        out.println("  and copy into site-link's VIGIL_SITE_LINK_DIR (the link is TLS, pinned to this site's key, and"
                + " SCRAM):");
        out.println("    " + wanSecurity.certificate() + "  as " + site.id() + ".pem");
        out.println("    " + wanSecurity.certificate().resolveSibling(WanSecurity.CENTRAL_PASSWORD) + "  as "
                + site.id() + ".password (owner-only)");
        out.println("  Cameras:      from central's registry (those of site " + site.id() + ")");
        if (cfg.bindHost().equals("127.0.0.1")) {
            out.println("  Note:         VIGIL_BIND is 127.0.0.1: central cannot reach this node until it is set to an"
                    + " address central reaches (a VPN's, say).");
        }
        out.println("  Logs:         " + cfg.logs());
        out.println("Press Ctrl-C to stop.");
        out.flush();
        Thread check = new Thread(this::warnOfSlowReverseLookups, "reverse-lookup-check");
        check.setDaemon(true);
        check.start();
        supervise(null);
        settleHeapLater();
        stopped.await();
        return 0;
    }

    /**
     * Kafka's SASL server looks up the listener's own address by name on every new connection (KAFKA-19919): where
     * that lookup waits on a name server that does not answer, every connection from central waits as long, and
     * site-link's clients time out. Says so, once, for each of this machine's addresses that is slow to look up.
     */
    private void warnOfSlowReverseLookups() {
        try {
            for (java.net.NetworkInterface nic : java.util.Collections.list(
                    java.net.NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback()) {
                    continue;
                }
                for (java.net.InetAddress a : java.util.Collections.list(nic.getInetAddresses())) {
                    if (a instanceof java.net.Inet4Address) {
                        long t = System.nanoTime();
                        java.net.InetAddress.getByAddress(a.getAddress()).getHostName();
                        long ms = (System.nanoTime() - t) / 1_000_000;
                        if (ms > 1000) {
                            out.println("  Warning:      looking up " + a.getHostAddress() + " by name took " + ms
                                    + " ms; Kafka does so on every connection from central (KAFKA-19919). Give it a"
                                    + " name in /etc/hosts or a PTR record.");
                            out.flush();
                        }
                    }
                }
            }
        } catch (java.io.IOException e) {
            // nothing to check
        }
    }

    private Duration mediaRetention() {
        String minutes = cfg.env().get("MEDIA_RETENTION_MINUTES");
        if (minutes == null || minutes.isBlank()) {
            return null;
        }
        try {
            long m = Long.parseLong(minutes.trim());
            if (m < 1) {
                throw new NumberFormatException();
            }
            return Duration.ofMinutes(m);
        } catch (NumberFormatException e) {
            throw new LaunchException("MEDIA_RETENTION_MINUTES=" + minutes + " is not a whole number of minutes.");
        }
    }

    private void prepareHome() throws IOException {
        for (Path dir : List.of(cfg.home(), cfg.logs(), cfg.run(), cfg.home().resolve("tmp"), cfg.home().resolve("keys"),
                cfg.home().resolve("cache"))) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
    }

    private void acquireLock() throws IOException {
        Path lockFile = cfg.run().resolve("vigil.lock");
        lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ);
        lock = lockChannel.tryLock();
        if (lock == null) {
            String owner = Files.readString(lockFile, StandardCharsets.UTF_8).trim();
            lockChannel.close();
            throw new LaunchException("Vigil is already running on " + cfg.home() + " (" + (owner.isEmpty() ? "lock "
                    + lockFile : owner) + "); stop it with Ctrl-C in its terminal, or set VIGIL_HOME to use another "
                    + "data directory.");
        }
        lockChannel.truncate(0);
        lockChannel.write(java.nio.ByteBuffer.wrap(("pid " + ProcessHandle.current().pid())
                .getBytes(StandardCharsets.UTF_8)));
        lockChannel.force(true);
    }

    private void checkBuilt() {
        List<String> missing = new ArrayList<>();
        for (StackConfig.Service s : cfg.services()) {
            if (!Files.isRegularFile(s.jar(cfg.root()))) {
                missing.add(s.jar(cfg.root()).toString());
            }
        }
        if (!missing.isEmpty()) {
            throw new LaunchException("Not built: " + String.join(", ", missing) + ". Run ./vigil up (it builds), or "
                    + "./mvnw package -DskipTests.");
        }
    }

    private void checkPortsFree() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (StackConfig.Service s : cfg.services()) {
            ports.put(s.name() + " (" + envName(s.name()) + ")", s.port());
            ports.put(s.name() + " management (" + envName(s.name()).replace("_PORT", "_MANAGEMENT_PORT") + ")",
                    s.managementPort());
        }
        if (cfg.externalKafka().isEmpty()) {
            ports.put("embedded Kafka (KAFKA_PORT)", cfg.kafkaPort());
            ports.put("embedded Kafka controller (KAFKA_CONTROLLER_PORT)", cfg.kafkaControllerPort());
        }
        if (cfg.siteNode().isPresent()) {
            String wan = cfg.siteNode().get().kafkaWan();
            ports.put("embedded Kafka for central (KAFKA_WAN_PORT)", Integer.parseInt(wan.substring(
                    wan.indexOf(':') + 1, wan.indexOf('@'))));
        } else {
            if (cfg.externalDatabaseUrl().isEmpty()) {
                ports.put("embedded PostgreSQL (POSTGRES_PORT)", cfg.postgresPort());
            }
            if (cfg.externalRedisUrl().isEmpty()) {
                ports.put("embedded Redis (REDIS_PORT)", cfg.redisPort());
            }
        }
        Map<Integer, String> seen = new HashMap<>();
        for (Map.Entry<String, Integer> e : ports.entrySet()) {
            String other = seen.put(e.getValue(), e.getKey());
            if (other != null) {
                throw new LaunchException("Port " + e.getValue() + " is configured twice: for " + other + " and for "
                        + e.getKey() + ".");
            }
            if (!portFree(e.getValue())) {
                String var = e.getKey().substring(e.getKey().indexOf('(') + 1, e.getKey().length() - 1);
                throw new LaunchException("Port " + e.getValue() + " is already in use; " + e.getKey()
                        + " needs it. Stop the program using it (ss -ltnp 'sport = :" + e.getValue() + "') or set "
                        + var + " to a free port.");
            }
        }
    }

    static String envName(String service) {
        return service.replace("-service", "").toUpperCase(java.util.Locale.ROOT) + "_PORT";
    }

    private static boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("0.0.0.0", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void externalNote(String name, java.util.Optional<String> address) {
        address.ifPresent(a -> out.println(String.format("  %-18s %-28s", name, "external " + mask(a))));
    }

    private static String mask(String url) {
        return org.vigil.contracts.CameraConfig.maskCredentials(url);
    }

    /** The synthetic camera a first start offers where CAMERA_SOURCES is not set. */
    static final String DEMO_CAMERA = "test:";

    /**
     * What capture is given as CAMERA_SOURCES: the operator's list as it is; none at all for {@code none}; and where
     * it is not set, the synthetic camera on this home's first start only, so that a new user sees video at once and
     * an operator who deletes it does not get it back at the next start (capture registers a source that is not in
     * the registry, and a deleted camera is not).
     */
    static String cameraSources(String configured, boolean demoOffered) {
        String c = configured == null ? "" : configured.strip();
        if (c.equalsIgnoreCase("none")) {
            return "";
        }
        if (!c.isEmpty()) {
            return c;
        }
        return demoOffered ? "" : DEMO_CAMERA;
    }

    /** Whether an earlier start of this home already offered the synthetic camera (it came up with it). */
    private boolean demoCameraOffered() {
        return Files.exists(demoCameraMarker());
    }

    private Path demoCameraMarker() {
        return cfg.home().resolve("demo-camera-offered");
    }

    /** Starts a service; a first start keeps the previous run's log as {@code .log.1}, a restart appends. */
    private Process startService(StackConfig.Service s, String adminPassword, boolean newLog) throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(s.port()));
        boolean site = cfg.siteNode().isPresent();
        // the gateway faces users; a site node's recorder faces central's gateway; the rest stay on loopback
        boolean facing = site ? s.name().equals("recorder-service") : s.equals(cfg.gateway());
        env.put("QUARKUS_HTTP_HOST", facing ? cfg.bindHost() : "127.0.0.1");
        env.put("QUARKUS_MANAGEMENT_PORT", Integer.toString(s.managementPort()));
        env.put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1"); // health and metrics never leave this machine
        env.put("PLAYBACK_CACHE_DIR", cfg.home().resolve("cache").resolve("playback").toString());
        env.put("KAFKA_BOOTSTRAP_SERVERS", cfg.kafkaBootstrap());
        env.put("DATABASE_URL", cfg.databaseUrl());
        // each service logs in as its own role (deploy/postgres/roles.sql), its default: one user for all cannot work
        env.put("DATABASE_USER", null);
        env.put("REDIS_URL", cfg.redisUrl());
        env.put("RECORDINGS_DIR", cfg.env().getOrDefault("RECORDINGS_DIR", cfg.home().resolve("recordings").toString()));
        env.put("VIGIL_GATEWAY_URL", site ? cfg.siteNode().get().central().toString()
                : "http://127.0.0.1:" + cfg.gateway().port());
        if (site) {
            env.put("VIGIL_SITE", cfg.siteNode().get().id());
        }
        Map<String, String> urls = Map.of("capture-service", "VIGIL_CAPTURE", "recorder-service",
                "VIGIL_RECORDER", "event-service", "VIGIL_EVENTS", "export-service", "VIGIL_EXPORT",
                "retention-service", "VIGIL_RETENTION");
        cfg.services().forEach(x -> {
            if (urls.containsKey(x.name())) {
                env.put(urls.get(x.name()) + "_URL", "http://127.0.0.1:" + x.port());
                env.put(urls.get(x.name()) + "_MANAGEMENT_URL", "http://127.0.0.1:" + x.managementPort());
            }
        });
        env.put("VIGIL_KEYS_DIR", cfg.env().getOrDefault("VIGIL_KEYS_DIR", cfg.home().resolve("keys").toString()));
        if (!site || !cfg.env().getOrDefault("VIGIL_CAMERA_KEY_FILE", "").isBlank()) {
            env.put("VIGIL_CAMERA_KEY_FILE", cfg.env().getOrDefault("VIGIL_CAMERA_KEY_FILE", "").isBlank()
                    ? cameraKey().toString() : cfg.env().get("VIGIL_CAMERA_KEY_FILE"));
        }
        env.put("VIGIL_INSTANCE", s.name() + "-1");
        // glibc gives each thread that allocates its own malloc arena (up to eight per core), and a JVM has dozens of
        // threads: two arenas hold the same native allocations in less memory (design 0021)
        env.putIfAbsent("MALLOC_ARENA_MAX", cfg.env().getOrDefault("MALLOC_ARENA_MAX", "2"));
        env.put("VIGIL_EXPORTS_DIR", cfg.env().getOrDefault("VIGIL_EXPORTS_DIR", cfg.home().resolve("exports").toString()));
        if (cfg.env().getOrDefault("EXPORT_SIGNING_KEY_FILE", "").isBlank()) {
            env.put("VIGIL_DEV_SIGNING_KEY", "true"); // the embedded stack is a development system: a key is generated
        }
        if (!site) { // a site's come from central
            env.put("CAMERA_SOURCES", cameraSources(cfg.env().get("CAMERA_SOURCES"), demoCameraOffered()));
        }
        if (!site && s.equals(cfg.gateway())) {
            env.put("VIGIL_BOOTSTRAP_ADMIN_PASSWORD", adminPassword);
        }
        Path tmp = cfg.home().resolve("tmp").resolve(s.name());
        Files.createDirectories(tmp);
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(jvmOptions(s.name()));
        // a JVM that crashes (in native code: FFmpeg, OpenCV) writes its report beside the service's log, not into
        // whatever folder it was started in, where nobody would look
        cmd.add("-XX:ErrorFile=" + cfg.logs().resolve(s.name() + "-crash-%p.log"));
        cmd.add("-Djava.io.tmpdir=" + tmp);
        // the application class-data archive Quarkus wrote at build time (./vigil up's build; design 0021): classes
        // mapped, not loaded and verified one by one. It names the jar relative to the jar's folder, so the service
        // runs in that folder, and path settings given relative to where ./vigil up runs are made absolute first. A
        // JVM other than the one that wrote it ignores it, and says so in the service's log.
        Path archive = s.jar(cfg.root()).resolveSibling("app-cds.jsa");
        Path folder = null;
        if (Files.isRegularFile(archive)) {
            cmd.add("-XX:SharedArchiveFile=" + archive);
            folder = archive.getParent();
            env.putAll(absolutePaths(cfg.env(), env));
        }
        String extra = cfg.env().getOrDefault("VIGIL_JAVA_OPTS", "").trim();
        if (!extra.isEmpty()) {
            cmd.addAll(List.of(extra.split("\\s+")));
        }
        cmd.addAll(List.of("-jar", s.jar(cfg.root()).toString()));
        Path log = cfg.logs().resolve(s.name() + ".log");
        if (newLog) {
            rotate(log);
        }
        return children.start(s.name(), cmd, env, log, folder);
    }

    /**
     * A service's JVM options (design 0021). The heap starts small and gives back what it no longer needs at the first
     * full collection (not in steps over four), so an idle service holds tens of megabytes, not its maximum; the media
     * services (capture, recorder) start with a larger young generation, which packets churn through. All but the media
     * services compile with C1 only: the control-plane services' work is I/O and queries and the gateway's is relaying
     * bytes it does not parse; C2 added nothing measurable to it and cost each of them seconds of a core at start and
     * tens of megabytes of compiler memory and code (design 0030 for the gateway's live relay). Capture and the
     * recorder, which handle every frame, keep the full tiered compiler. No JVM keeps performance counters for jstat
     * (-XX:-UsePerfData): sampling them woke each JVM twenty times a second, about 0.15 % of a core each when idle
     * (jcmd still attaches by process id). Every JVM that can gives the C heap's freed pages back every half minute
     * (design 0022) and checks for idle monitors every 2 s (design 0029). VIGIL_JAVA_OPTS, appended after these, can override any of them.
     */
    static List<String> jvmOptions(String service) {
        boolean media = service.startsWith("capture") || service.startsWith("recorder");
        List<String> o = new ArrayList<>(List.of("-Xmx" + (media ? "384m" : "256m"), "-Xms" + (media ? "48m" : "16m"),
                "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-XX:-ShrinkHeapInSteps", "-XX:+UseSerialGC",
                "-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData"));
        if (!media) {
            o.add("-XX:TieredStopAtLevel=1");
        }
        if (TRIMS_NATIVE_HEAP) {
            o.add("-XX:+UnlockExperimentalVMOptions");
            o.add("-XX:TrimNativeHeapInterval=" + NATIVE_TRIM_INTERVAL_MS);
        }
        if (CHECKS_MONITOR_DEFLATION || MAPS_ARCHIVE_IN_PLACE) {
            o.add("-XX:+UnlockDiagnosticVMOptions");
        }
        if (CHECKS_MONITOR_DEFLATION) {
            o.add("-XX:AsyncDeflationInterval=" + MONITOR_DEFLATION_CHECK_MS);
        }
        if (MAPS_ARCHIVE_IN_PLACE && !service.startsWith("capture")) {
            o.add("-XX:ArchiveRelocationMode=0");
        }
        return o;
    }

    /**
     * Whether this JVM can be told to map its class-data archives where they were built rather than at a random
     * address (design 0030). Debian's JDK 17 relocates them by default (JDK 20's default, backported): relocating
     * rewrites every pointer in the archive, so each JVM holds its own dirty copy of the JDK's archive (about 10 MB)
     * and of its application archive instead of sharing the clean file pages. Mapped in place, the eight JVMs of a
     * stack share the JDK's archive: about 35 MB less for the stack. What is given up is the archive's address
     * randomisation, a defence against memory-corruption exploits in native code; capture-service, which feeds
     * cameras' bytes to FFmpeg's native parsers, keeps it. Where the address is taken, the JVM relocates as before.
     */
    static final boolean MAPS_ARCHIVE_IN_PLACE = jvmHasOption("ArchiveRelocationMode");

    /**
     * How often each JVM's monitor deflation thread looks whether idle locks' monitors should be freed: every 2 s, not
     * every 0.25 s (a diagnostic option, hence the unlock). Four wake-ups a second in each of seven JVMs were an idle
     * stack's largest count after the JIT's (design 0029); the monitors are still freed at least every minute
     * (GuaranteedAsyncDeflationInterval) and within 2 s of their count passing 90 % of what is allowed.
     */
    static final int MONITOR_DEFLATION_CHECK_MS = 2000;

    /** Whether this JVM has that option (HotSpot 15 and later). */
    static final boolean CHECKS_MONITOR_DEFLATION = jvmHasOption("AsyncDeflationInterval");

    /**
     * How often each service's JVM hands the C heap's free pages back (glibc's {@code malloc_trim}; design 0022).
     * glibc keeps what FFmpeg, OpenCV and the JIT freed: a capture instance with four 1080p cameras held 58 MB of
     * freed memory, more than half of what each camera added to it. Each trim walks the C heap, so every half minute
     * rather than every few seconds: the idle stack held as little either way (1352 MB at 30 s, 1346 MB at 5 s).
     */
    static final int NATIVE_TRIM_INTERVAL_MS = 30_000;

    /** Whether this JVM (the one the services run on) has periodic native trimming (recent 17 and 21 updates do); older ones run without. */
    static final boolean TRIMS_NATIVE_HEAP = jvmHasOption("TrimNativeHeapInterval");

    static boolean jvmHasOption(String name) {
        try {
            java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                    .getVMOption(name);
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * The path settings ({@code *_DIR}, {@code *_FILE}, {@code *_PATH}) among the user's environment and the
     * launcher's own that are relative, resolved against the launcher's working folder: what a service started in
     * another folder must be given so that recordings, keys and exports land where the user meant.
     */
    static Map<String, String> absolutePaths(Map<String, String> user, Map<String, String> launcher) {
        Map<String, String> all = new HashMap<>(user);
        all.putAll(launcher);
        Map<String, String> absolute = new HashMap<>();
        all.forEach((k, v) -> {
            if (k.matches("[A-Z][A-Z0-9_]*_(DIR|FILE|PATH)") && v != null && !v.isBlank() && !v.contains(":")
                    && !Path.of(v).isAbsolute()) {
                absolute.put(k, Path.of(v).toAbsolutePath().normalize().toString());
            }
        });
        return absolute;
    }

    private static void rotate(Path log) throws IOException {
        if (Files.exists(log)) {
            Files.move(log, log.resolveSibling(log.getFileName() + ".1"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private boolean awaitReady(List<StackConfig.Service> which, long t0) throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Map<String, StackConfig.Service> pending = new LinkedHashMap<>();
        which.forEach(s -> pending.put(s.name(), s));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        while (!pending.isEmpty()) {
            for (var it = pending.values().iterator(); it.hasNext();) {
                StackConfig.Service s = it.next();
                ProcessHandle p = services.get(s.name());
                if (!p.isAlive()) {
                    out.println("  " + s.name() + " exited before it was ready. Last lines of "
                            + cfg.logs().resolve(s.name() + ".log") + ":");
                    tail(cfg.logs().resolve(s.name() + ".log"), 25).forEach(l -> out.println("    " + l));
                    return false;
                }
                if (ReadinessProbe.ready(http, s.managementPort())) {
                    out.println(String.format("  %-18s %-28s %s", s.name(), "http://127.0.0.1:" + s.port(), "ready ("
                            + since(t0) + ")"));
                    it.remove();
                }
            }
            if (System.nanoTime() > deadline) {
                out.println("  not ready after " + READY_TIMEOUT.toSeconds() + " s: " + String.join(", ", pending.keySet())
                        + ". See their logs in " + cfg.logs() + " and ./vigil status.");
                return false;
            }
            Thread.sleep(250);
        }
        return true;
    }

    static List<String> tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return all.subList(Math.max(0, all.size() - lines), all.size());
        } catch (IOException e) {
            return List.of("(cannot read " + file + ": " + e.getMessage() + ")");
        }
    }

    /**
     * The summary's lines about the first admin. The gateway creates the account with this start's password only when
     * none exists, so a sign-in with it says which case this is; where the gateway gave no answer that says either, the
     * password is shown all the same (a first start that hid it would leave nobody able to sign in).
     */
    static List<String> adminLines(ReadinessProbe.SignIn signIn, String password) {
        return switch (signIn) {
            case ACCEPTED -> List.of("  Admin login:  admin / " + password,
                    "                (shown once: store it now; it is not written anywhere)");
            case REFUSED -> List.of("  Admin login:  the admin account exists from an earlier run; use its password.");
            case NO_ANSWER -> List.of("  Admin login:  admin / " + password + " if this start created the account",
                    "                (the gateway did not answer a test sign-in, so that could not be checked; if it",
                    "                is refused, the account exists from an earlier run: use its password. Shown once.)");
        };
    }

    private void printSummary(long t0, List<String> admin) {
        String host = cfg.bindHost().equals("0.0.0.0") ? "127.0.0.1" : cfg.bindHost();
        out.println();
        out.println("Vigil is up (" + since(t0) + ").");
        out.println("  Web UI:       http://" + host + ":" + cfg.gateway().port() + "/");
        admin.forEach(out::println);
        String cams = cameraSources(cfg.env().get("CAMERA_SOURCES"), offeredBefore);
        out.println("  Cameras:      " + (cams.equals(DEMO_CAMERA) ? "one synthetic camera (set CAMERA_SOURCES for real ones)"
                : !cams.isEmpty() ? "from CAMERA_SOURCES"
                        : "those added in Settings → Cameras" + (offeredBefore ? "" : " (none yet)")));
        out.println("  Logs:         " + cfg.logs());
        out.println("  Status:       ./vigil status");
        out.println("Press Ctrl-C to stop.");
        out.flush();
    }

    /**
     * From now on every service and every embedded server that runs as a process of its own is restarted when it
     * exits (see {@link Supervisor}).
     */
    private void supervise(String adminPassword) {
        supervisor = new Supervisor(RestartPolicy.DEFAULT, java.time.InstantSource.system(),
                cfg.run().resolve("supervisor.json"), line -> {
                    out.println(line);
                    out.flush();
                });
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        for (org.vigil.devstack.embedded.Restartable server : devStack.restartable()) {
            server.process().ifPresent(h -> supervisor.watch(server.name(), h, new Supervisor.Child() {
                @Override
                public ProcessHandle start() throws IOException {
                    server.restart();
                    return server.process().orElseThrow(() -> new IOException(server.name() + " has no process"));
                }

                @Override
                public boolean ready() {
                    return server.ready();
                }
            }));
        }
        for (StackConfig.Service s : cfg.services()) {
            supervisor.watch(s.name(), services.get(s.name()), new Supervisor.Child() {
                @Override
                public ProcessHandle start() throws IOException {
                    ProcessHandle h = startService(s, adminPassword, false).toHandle();
                    services.put(s.name(), h);
                    return h;
                }

                @Override
                public boolean ready() {
                    return ReadinessProbe.ready(http, s.managementPort());
                }
            });
        }
    }

    /** Stops everything in order; safe to call twice (from the shutdown hook and after a failed start). */
    void shutdown() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        boolean started = devStack != null || !services.isEmpty();
        try {
            if (started) {
                out.println();
                out.println("Vigil: stopping...");
            }
            if (supervisor != null) {
                supervisor.close(); // nothing is restarted from here on
            }
            List<Thread> stoppers = new ArrayList<>();
            for (Map.Entry<String, ProcessHandle> e : services.entrySet()) {
                Thread t = new Thread(() -> ProcessTree.stop(e.getValue(), Duration.ofSeconds(15)));
                t.start();
                stoppers.add(t);
            }
            for (Thread t : stoppers) {
                t.join();
            }
            if (devStack != null) {
                devStack.close();
            }
            if (children != null) {
                children.close();
            }
            if (lock != null) {
                Files.deleteIfExists(cfg.run().resolve("vigil.lock"));
                lock.release();
                lockChannel.close();
            }
            if (started) {
                out.println("Vigil: stopped.");
            }
            out.flush();
        } catch (Exception e) {
            out.println("Vigil: error while stopping: " + e.getMessage());
        } finally {
            stopped.countDown();
        }
    }

    static String randomPassword() {
        SecureRandom rnd = new SecureRandom();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            sb.append(PASSWORD_ALPHABET.charAt(rnd.nextInt(PASSWORD_ALPHABET.length())));
        }
        return sb.toString();
    }

    private static String since(long t0) {
        return String.format("%.1f s", (System.nanoTime() - t0) / 1e9);
    }

    /** The single box's camera key: camera passwords are sealed and opened with it (design 0018 §3). */
    private Path cameraKey() {
        return cfg.home().resolve("keys").resolve("camera.key");
    }
}
