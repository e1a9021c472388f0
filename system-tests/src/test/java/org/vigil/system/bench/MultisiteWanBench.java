package org.vigil.system.bench;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.vigil.contracts.Topics;
import org.vigil.devstack.embedded.EmbeddedKafka;
import org.vigil.devstack.embedded.TopicAdmin;
import org.vigil.devstack.embedded.WanSecurity;
import org.vigil.devstack.testing.DelayRelay;
import org.vigil.devstack.testing.JavaCommand;
import org.vigil.devstack.testing.KafkaProcess;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.devstack.testing.SiteTraffic;
import org.vigil.devstack.testing.WanLink;

/**
 * {@code bench/run multisite wan [cut seconds] [records]}: the WAN figures of design 0017. Two sites, each a Kafka in a
 * network namespace behind an emulated link (10 Mbit/s, 50 ms round trip, 0.5 % loss each way), mirrored to central by
 * site-link (the packaged MirrorMaker 2):
 * <ol>
 * <li>events/s reaching central from both sites, against the same producers writing to central's own Kafka on this
 * machine (the baseline, in the same run);</li>
 * <li>the catch-up rate after a cut of both links (120 s by default) while the sites go on at 10 events/s each;</li>
 * <li>WAN bytes per camera-hour of an idle site of 100 cameras (the model's idle rates), from the link's counters.</li>
 * </ol>
 * Needs root (namespaces); says why and exits 3 where it cannot run.
 */
public final class MultisiteWanBench {

    private static final List<String> SITES = List.of("north", "south");
    private static final int IDLE_CAMERAS = 100;
    private static final int IDLE_SECONDS = 60;

    private MultisiteWanBench() {
    }

    private record Site(String id, WanLink link, DelayRelay relay, Path home, Process kafka) {
        String overWan() {
            return "127.0.0.1:" + relay.port();
        }
    }

    public static void main(String[] args) throws Exception {
        var why = WanLink.unavailable();
        if (why.isPresent()) {
            System.out.println("multisite wan: cannot emulate a WAN link here: " + why.get());
            System.exit(3);
        }
        int cutSeconds = args.length > 0 ? Integer.parseInt(args[0]) : 120;
        int records = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        Path root = Path.of(System.getProperty("vigil.root", "..")).toAbsolutePath().normalize();
        Path work = Path.of("target", "bench-multisite-wan").toAbsolutePath();
        MultisiteBench.deleteTree(work);
        Files.createDirectories(work);
        List<AutoCloseable> opened = new ArrayList<>();
        boolean ok = false;
        try {
            EmbeddedKafka central = new EmbeddedKafka(work.resolve("central-kafka"), SharedServers.freePort(),
                    SharedServers.freePort());
            central.start();
            opened.add(central);
            TopicAdmin.ensureTopics(central.bootstrapServers(), (short) 1, Duration.ofHours(1), Duration.ofSeconds(30));
            Map<String, Site> sites = new LinkedHashMap<>();
            int subnet = 71;
            for (String s : SITES) {
                sites.put(s, site(s, subnet++, work, opened));
            }
            StringBuilder list = new StringBuilder();
            sites.values().forEach(s -> list.append(list.isEmpty() ? "" : ",").append(s.id()).append('=')
                    .append(s.overWan()));
            Path jar = root.resolve("site-link/target/quarkus-app/quarkus-run.jar");
            ProcessBuilder pb = new ProcessBuilder(JavaCommand.of("-Xmx512m", "-XX:+UseSerialGC", "-jar",
                    jar.toString())).redirectErrorStream(true).redirectOutput(work.resolve("site-link.log").toFile());
            pb.environment().putAll(Map.of("KAFKA_BOOTSTRAP_SERVERS", central.bootstrapServers(), "VIGIL_SITES",
                    list.toString(), "VIGIL_SITE_LINK_DIR", work.resolve("site-link-credentials").toString(),
                    "VIGIL_SITE_LINK_REPLICATION_FACTOR", "1",
                    "QUARKUS_MANAGEMENT_PORT", Integer.toString(SharedServers.freePort())));
            Process link = pb.start();
            opened.add(() -> {
                link.destroy();
                link.waitFor(15, TimeUnit.SECONDS);
            });

            // the mirror is running once a first record of each site has crossed
            for (Site s : sites.values()) {
                traffic(s, 0, 1, 1000, work);
            }
            for (Site s : sites.values()) {
                awaitAtCentral(central, s.id(), 1, Duration.ofSeconds(180));
            }

            // 1. throughput: the same producers, to central's own Kafka, then at the sites across their links
            long t0 = System.nanoTime();
            List<Process> local = new ArrayList<>();
            for (String s : SITES) {
                local.add(traffic(central.bootstrapServers(), null, "local-" + s, 0, records, 1_000_000, work));
            }
            for (Process p : local) {
                p.waitFor();
            }
            double localRate = 2.0 * records / ((System.nanoTime() - t0) / 1e9);
            t0 = System.nanoTime();
            List<Process> far = new ArrayList<>();
            for (Site s : sites.values()) {
                far.add(traffic(s, 1, 1 + records, 1_000_000, work));
            }
            for (Site s : sites.values()) {
                awaitAtCentral(central, s.id(), 1 + records, Duration.ofSeconds(600));
            }
            double wanRate = 2.0 * records / ((System.nanoTime() - t0) / 1e9);
            for (Process p : far) {
                p.waitFor();
            }
            System.out.printf("multisite wan: %,d motion events from each of 2 sites reached central at %,.0f/s across "
                    + "10 Mbit/s, 50 ms, 0.5 %% loss links (TLS pinned to each site, SCRAM); the same producers to central's own Kafka: %,.0f/s; "
                    + "ratio %.2f%n", records, wanRate, localRate, wanRate / localRate);

            // 2. a cut: the sites go on at 10 events/s each; then the backlog drains
            int during = 10 * cutSeconds;
            for (Site s : sites.values()) {
                s.link().cut();
            }
            List<Process> cut = new ArrayList<>();
            int from = 1 + records;
            for (Site s : sites.values()) {
                cut.add(traffic(s, from, from + during, 10, work));
            }
            for (Process p : cut) {
                p.waitFor();
            }
            long[] before = new long[SITES.size()];
            int i = 0;
            for (Site s : sites.values()) {
                before[i++] = s.link().bytes();
                s.link().restore();
            }
            t0 = System.nanoTime();
            for (Site s : sites.values()) {
                awaitAtCentral(central, s.id(), from + during, Duration.ofSeconds(600));
            }
            double catchUp = (System.nanoTime() - t0) / 1e9;
            long caughtBytes = 0;
            i = 0;
            for (Site s : sites.values()) {
                caughtBytes += s.link().bytes() - before[i++];
            }
            System.out.printf("multisite wan: after a %d s cut, the backlog of %,d events (2 sites x 10/s) reached "
                    + "central in %.1f s: %,.0f events/s, %.0f kB/s across both links; %.1f times the rate they "
                    + "were made at%n", cutSeconds, 2 * during, catchUp, 2 * during / catchUp,
                    caughtBytes / catchUp / 1000, 2 * during / catchUp / 20.0);

            // 3. idle: 100 cameras' quiet metadata at one site, and MirrorMaker's own polling
            Site north = sites.get("north");
            Path log = north.home().resolve("idle.log");
            long b0 = north.link().bytes();
            Process idle = new ProcessBuilder(north.link().inside(JavaCommand.of("-Xmx128m", "-XX:+UseSerialGC",
                    "-cp", System.getProperty("java.class.path"), SiteTraffic.class.getName(), "127.0.0.1:19092",
                    "north", Integer.toString(IDLE_CAMERAS), Integer.toString(IDLE_SECONDS), "idle")))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            idle.waitFor();
            long idleBytes = north.link().bytes() - b0;
            Site south = sites.get("south");
            long s0 = south.link().bytes();
            TimeUnit.SECONDS.sleep(IDLE_SECONDS); // the span whose bytes are counted: a measurement window, not a wait
            long emptyBytes = south.link().bytes() - s0;
            double perCameraHour = idleBytes * (3600.0 / IDLE_SECONDS) / IDLE_CAMERAS;
            System.out.printf("multisite wan: an idle site of %d cameras: %.0f bytes/s on its link, %.0f kB per "
                    + "camera-hour (model: about 3.5 kB a minute per busy camera, 210 kB an hour); a site sending "
                    + "nothing: %.0f bytes/s (MirrorMaker's polling alone)%n", IDLE_CAMERAS,
                    idleBytes / (double) IDLE_SECONDS, perCameraHour / 1000, emptyBytes / (double) IDLE_SECONDS);
            ok = wanRate > 0 && catchUp > 0;
        } finally {
            for (int i = opened.size() - 1; i >= 0; i--) {
                try {
                    opened.get(i).close();
                } catch (Exception e) {
                    System.err.println("could not stop: " + e);
                }
            }
        }
        System.exit(ok ? 0 : 1);
    }

    private static Site site(String id, int subnet, Path work, List<AutoCloseable> opened) throws Exception {
        WanLink link = WanLink.create(id, subnet);
        opened.add(link);
        link.cap(10_000_000);
        link.loss(0.005);
        DelayRelay relay = DelayRelay.start(new InetSocketAddress(link.siteAddress(), 9094), Duration.ofMillis(25));
        opened.add(relay);
        Path home = Files.createDirectories(work.resolve(id));
        Path log = home.resolve("kafka.log");
        Process kafka = new ProcessBuilder(link.inside(JavaCommand.of("-Xmx256m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), KafkaProcess.class.getName(), home.resolve("kafka").toString(),
                "19092", "19093", link.siteAddress() + ":9094@127.0.0.1:" + relay.port(), "--site", id)))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        opened.add(() -> kafka.destroyForcibly().waitFor());
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!(Files.exists(log) && Files.readString(log).contains("KAFKA READY"))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(id + "'s Kafka did not start: see " + log);
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
        // what central's site-link needs of the site: its certificate and central's password, as a site node prints
        Path credentials = Files.createDirectories(work.resolve("site-link-credentials"));
        Files.copy(home.resolve("site-link").resolve(WanSecurity.CERTIFICATE), credentials.resolve(id + ".pem"));
        Files.copy(home.resolve("site-link").resolve(WanSecurity.CENTRAL_PASSWORD), credentials.resolve(id
                + ".password"));
        Files.setPosixFilePermissions(credentials.resolve(id + ".password"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return new Site(id, link, relay, home, kafka);
    }

    /** Motion events {@code from..to-1} produced inside {@code s}, to its own Kafka. */
    private static Process traffic(Site s, int from, int to, int perSecond, Path work) throws Exception {
        return traffic("127.0.0.1:19092", s, "cam-" + s.id(), from, to, perSecond, work);
    }

    private static Process traffic(String bootstrap, Site s, String camera, int from, int to, int perSecond,
            Path work) throws Exception {
        String site = s == null ? camera : s.id();
        List<String> cmd = JavaCommand.of("-Xmx128m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                SiteTraffic.class.getName(), bootstrap, site, camera, Integer.toString(from), Integer.toString(to),
                Integer.toString(perSecond));
        return new ProcessBuilder(s == null ? cmd : s.link().inside(cmd)).redirectErrorStream(true)
                .redirectOutput(work.resolve("traffic-" + camera + "-" + from + ".log").toFile()).start();
    }

    /** Waits until central's mirrored motion topic of {@code site} holds {@code count} records. */
    private static void awaitAtCentral(EmbeddedKafka central, String site, long count, Duration timeout)
            throws Exception {
        String topic = site + "." + Topics.MOTION;
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", central.bootstrapServers()))) {
            while (true) {
                long n = 0;
                try {
                    var parts = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions();
                    Map<TopicPartition, OffsetSpec> ask = new LinkedHashMap<>();
                    parts.forEach(p -> ask.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
                    for (var e : admin.listOffsets(ask).all().get().values()) {
                        n += e.offset();
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    n = 0; // not mirrored yet
                }
                if (n >= count) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(topic + " holds " + n + " of " + count + " after "
                            + timeout.toSeconds() + " s");
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
        }
    }
}
