package org.vigil.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.connect.mirror.MirrorMaker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.Json;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.Topics;
import org.vigil.devstack.embedded.EmbeddedKafka;
import org.vigil.devstack.embedded.TopicAdmin;
import org.vigil.devstack.testing.DelayRelay;
import org.vigil.devstack.testing.JavaCommand;
import org.vigil.devstack.testing.KafkaProcess;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.devstack.testing.SiteTraffic;
import org.vigil.devstack.testing.WanLink;
import org.vigil.sitelink.messaging.SiteLink;

/**
 * A site node behind a real WAN link (design 0017, stage 3 in part): the site's Kafka runs in a network namespace of
 * its own, reachable from central only through a veth link capped at 10 Mbit/s, dropping 0.5 % of packets each way,
 * with 50 ms of round trip (a {@link DelayRelay}: no netem in this kernel). site-link (MirrorMaker 2) at central pulls
 * the site's motion events. Then the link is cut: the site goes on writing to its own Kafka, central receives nothing,
 * and once the link is back every event arrives, in order, none lost or doubled, and the catch-up time is reported.
 */
class WanLinkIT {

    private static final String SITE = "north";
    private static final Duration CUT = Duration.ofSeconds(Long.getLong("vigil.wan.cut-seconds", 20));

    private final Path home = Path.of("target", "wan-link-it").toAbsolutePath();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void aSitesEventsCrossAThinLossyLinkAndAfterACutAllArriveInOrderOnce() throws Exception {
        Optional<String> why = WanLink.unavailable();
        assumeTrue(why.isEmpty(), () -> "no WAN link can be emulated here: " + why.orElse(""));
        WholeStackIT.deleteTree(home);
        Files.createDirectories(home);

        WanLink link = WanLink.create(SITE, 77);
        open.add(link);
        link.cap(10_000_000);
        Optional<String> noLoss = link.loss(0.005);
        DelayRelay relay = DelayRelay.start(new InetSocketAddress(link.siteAddress(), 9094), Duration.ofMillis(25));
        open.add(relay);
        String overWan = "127.0.0.1:" + relay.port();

        // the site's broker, inside the site: its own clients on 127.0.0.1:19092, central through the link
        Path siteLog = home.resolve("site-kafka.log");
        Process siteKafka = new ProcessBuilder(link.inside(JavaCommand.of("-Xmx256m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), KafkaProcess.class.getName(), home.resolve("site").toString(),
                "19092", "19093", link.siteAddress() + ":9094@" + overWan))).redirectErrorStream(true)
                .redirectOutput(siteLog.toFile()).start();
        open.add(() -> siteKafka.destroyForcibly().waitFor());
        awaitLine(siteLog, "KAFKA READY", Duration.ofSeconds(90));
        TopicAdmin.ensureTopics(overWan, (short) 1, Duration.ofHours(1), Duration.ofSeconds(60));

        String emulated = checkTheLink(overWan);

        EmbeddedKafka central = new EmbeddedKafka(home.resolve("central"), SharedServers.freePort(),
                SharedServers.freePort());
        central.start();
        open.add(central);
        TopicAdmin.ensureTopics(central.bootstrapServers(), (short) 1, Duration.ofHours(1), Duration.ofSeconds(30));
        MirrorMaker mirror = SiteLink.start(central.bootstrapServers(), Map.of(SITE, overWan), 1, Duration.ofSeconds(1));
        open.add(mirror::stop);

        try (Reader atCentral = new Reader(central.bootstrapServers(), SITE + "." + Topics.MOTION)) {
            // 1. the link up: 200 events at 50 a second
            traffic(link, 0, 200, 50);
            atCentral.awaitCount(200, Duration.ofSeconds(120));

            // 2. the link cut: the site records on, central hears nothing
            link.cut();
            long cutAt = System.nanoTime();
            traffic(link, 200, 500, 25);
            while (System.nanoTime() - cutAt < CUT.toNanos()) {
                atCentral.poll();
                assertThat(atCentral.ids).as("nothing crosses a cut link").hasSize(200);
            }

            // 3. the link back: everything arrives, in order, once
            link.restore();
            long restoredAt = System.nanoTime();
            atCentral.awaitCount(500, Duration.ofSeconds(180));
            double catchUp = (System.nanoTime() - restoredAt) / 1e9;
            atCentral.pollFor(Duration.ofSeconds(2)); // anything doubled would follow close behind
            assertThat(atCentral.ids).containsExactlyElementsOf(
                    IntStream.range(0, 500).mapToObj(i -> SiteTraffic.eventId(SITE, i)).toList());
            System.out.printf("WAN link: 10 Mbit/s, 50 ms round trip, loss %s (%s); cut for %d s with 300 events "
                    + "queued at the site: all 500 at central, in order, none doubled; caught up %.1f s after the "
                    + "link came back%n", noLoss.orElse("0.5 % each way"), emulated, CUT.toSeconds(), catchUp);
        }
    }

    /**
     * The link is what it claims: a request across it takes at least the round trip, and 2.4 MB take at least the
     * time 10 Mbit/s allows (the token bucket's small burst aside).
     *
     * @return what was measured
     */
    private static String checkTheLink(String overWan) throws Exception {
        long rtt = Long.MAX_VALUE;
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.<String, Object>of("bootstrap.servers", overWan))) {
            for (int i = 0; i < 5; i++) {
                long t = System.nanoTime();
                admin.describeCluster().clusterId().get();
                rtt = Math.min(rtt, (System.nanoTime() - t) / 1_000_000);
            }
        }
        assertThat(rtt).as("a request's round trip across the link, ms").isGreaterThanOrEqualTo(50);
        byte[] chunk = new byte[100_000];
        new java.util.Random(1).nextBytes(chunk); // not compressible
        long t;
        try (org.apache.kafka.clients.producer.KafkaProducer<String, byte[]> p =
                new org.apache.kafka.clients.producer.KafkaProducer<>(Map.of("bootstrap.servers", overWan, "acks",
                        "all", "linger.ms", "0"), new org.apache.kafka.common.serialization.StringSerializer(),
                        new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            p.partitionsFor(Topics.PREVIEWS); // metadata first: time the bytes only
            t = System.nanoTime();
            for (int i = 0; i < 24; i++) {
                p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(Topics.PREVIEWS, "probe", chunk));
            }
            p.flush();
        }
        double seconds = (System.nanoTime() - t) / 1e9;
        double mbits = 24 * chunk.length * 8 / seconds / 1e6;
        assertThat(mbits).as("throughput across the link, Mbit/s").isLessThan(13.0);
        return String.format("measured: %d ms round trip, %.1f Mbit/s", rtt, mbits);
    }

    /** Runs a site's capture-like producer inside the site, and waits until Kafka took all its events. */
    private void traffic(WanLink link, int from, int to, int perSecond) throws Exception {
        Path log = home.resolve("traffic-" + from + ".log");
        Process p = new ProcessBuilder(link.inside(JavaCommand.of("-Xmx128m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), SiteTraffic.class.getName(), "127.0.0.1:19092", SITE, "cam-n1",
                Integer.toString(from), Integer.toString(to), Integer.toString(perSecond)))).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        assertThat(p.waitFor()).as("site traffic, see " + log).isZero();
        assertThat(Files.readString(log)).contains("SENT " + to);
    }

    private static void awaitLine(Path log, String line, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!(Files.exists(log) && Files.readString(log).contains(line))) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(line + " not in " + log + " within " + timeout.toSeconds() + " s");
            }
            Thread.sleep(100);
        }
    }

    /** The motion event ids of one topic at central, in the order read. */
    private static final class Reader implements AutoCloseable {

        final List<String> ids = new ArrayList<>();
        private final KafkaConsumer<String, byte[]> consumer;
        private final String topic;
        private boolean assigned;

        Reader(String bootstrap, String topic) {
            this.topic = topic;
            consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap), new StringDeserializer(),
                    new ByteArrayDeserializer());
        }

        void poll() {
            if (!assigned) {
                var infos = consumer.partitionsFor(topic, Duration.ofSeconds(2));
                if (infos == null || infos.isEmpty()) {
                    return; // MirrorMaker creates the topic once it sees the site's
                }
                List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                assigned = true;
            }
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                ids.add(Json.read(r.value(), MotionEvent.class).eventId());
            }
        }

        void pollFor(Duration d) {
            long end = System.nanoTime() + d.toNanos();
            while (System.nanoTime() < end) {
                poll();
            }
        }

        void awaitCount(int n, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (ids.size() < n) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("central has " + ids.size() + " of " + n + " events after "
                            + timeout.toSeconds() + " s");
                }
                poll();
            }
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(2));
        }
    }
}
