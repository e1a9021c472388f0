package org.vigil.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.mirror.MirrorMaker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.Box;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.Topics;
import org.vigil.devstack.embedded.EmbeddedKafka;
import org.vigil.devstack.embedded.TopicAdmin;
import org.vigil.devstack.embedded.WanSecurity;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.sitelink.config.SiteCredentials;
import org.vigil.sitelink.messaging.SiteLink;

/**
 * The flows of design 0017 with Kafka's own MirrorMaker 2, as site-link configures it, on two real clusters: a site
 * node's ("north") and central's. MirrorMaker runs beside central, pulling north's metadata topics: they arrive named
 * after their site ({@code north.vigil.motion.v1}, which event-service's pattern reads and checks), in order per
 * camera, and the media topic never leaves the site. Central's camera registry reaches north filtered to north's
 * cameras.
 */
class MirrorIT {

    private final Path home = Path.of("target", "mirror-it").toAbsolutePath();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void aSitesMetadataReachesCentralUnderItsSitesNameInOrderAndItsVideoNever() throws Exception {
        WholeStackIT.deleteTree(home);
        // north's listener for central is secured as a site node's is: TLS with north's own key, SCRAM for central
        int wan = SharedServers.freePort();
        WanSecurity security = WanSecurity.createOrLoad(home.resolve("north-link"), "north");
        EmbeddedKafka north = kafka("north", "127.0.0.1:" + wan + "@127.0.0.1:" + wan, security);
        EmbeddedKafka central = kafka("central", null, null);
        Path linkDir = Files.createDirectories(home.resolve("site-link-credentials"));
        Files.copy(security.certificate(), linkDir.resolve("north.pem"));
        Files.writeString(linkDir.resolve("north.password"), security.centralPassword());
        Files.setPosixFilePermissions(linkDir.resolve("north.password"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

        // central's camera registry: one camera at north, one at south (whose URL north must never see)
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                central.bootstrapServers(), "acks", "all"), new StringSerializer(), new ByteArraySerializer())) {
            for (String site : List.of("north", "south")) {
                String id = "cam-" + site;
                p.send(new ProducerRecord<>(Topics.CAMERAS, id, Json.write(new CameraConfig(1, id, "Gate", site,
                        "rtsp://user:secret-" + site + "@10.0.0.9/1", null, true, 0.5, List.of(), List.of(),
                        Instant.now(), "ada"))));
            }
            p.flush();
        }

        // site-link's plan, as central runs it (replication factor 1: single brokers)
        MirrorMaker mirror = SiteLink.start(central.bootstrapServers(), Map.of("north", "127.0.0.1:" + wan),
                SiteCredentials.load(linkDir, List.of("north")), 1, Duration.ofSeconds(1));
        open.add(mirror::stop);

        // north's capture and recorder write as they do today, to their own cluster
        List<String> sent = new ArrayList<>();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                north.bootstrapServers(), "acks", "all"), new StringSerializer(), new ByteArraySerializer())) {
            Instant t0 = Instant.now();
            for (int i = 0; i < 40; i++) {
                String id = UUID.randomUUID().toString();
                MotionEvent e = new MotionEvent(1, id, "cam-n1", "north", MotionEvent.Phase.START, t0.plusSeconds(i),
                        t0.plusSeconds(i), 0.2, List.of(new Box(0.1, 0.1, 0.2, 0.2)), null);
                p.send(new ProducerRecord<>(Topics.MOTION, e.cameraId(), Json.write(e)));
                sent.add(id);
                p.send(new ProducerRecord<>(Topics.MEDIA, "cam-n1", new byte[1024])); // video: stays at the site
            }
            p.flush();
        }

        String mirrored = "north." + Topics.MOTION;
        List<String> arrived = readAll(central.bootstrapServers(), mirrored, sent.size(), Duration.ofSeconds(90));
        assertThat(arrived).as("north's motion events at central, in order").containsExactlyElementsOf(sent);
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", central.bootstrapServers()))) {
            Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            assertThat(topics).as("central's topics").contains(mirrored).doesNotContain("north." + Topics.MEDIA)
                    .noneMatch(t -> t.endsWith(Topics.MEDIA) && !t.equals(Topics.MEDIA));
        }

        // and central's registry reached north, filtered: its own camera, never south's
        Map<String, CameraConfig> atNorth = registry(north.bootstrapServers(), "cam-north", Duration.ofSeconds(90));
        assertThat(atNorth).containsOnlyKeys("cam-north");
        assertThat(atNorth.get("cam-north").url()).isEqualTo("rtsp://user:secret-north@10.0.0.9/1");
    }

    private EmbeddedKafka kafka(String name, String wan, WanSecurity security) throws Exception {
        EmbeddedKafka k = new EmbeddedKafka(home.resolve(name), SharedServers.freePort(), SharedServers.freePort(), wan,
                null, security);
        k.start();
        open.add(k);
        TopicAdmin.ensureTopics(k.bootstrapServers(), (short) 1, Duration.ofHours(1), Duration.ofSeconds(30));
        return k;
    }

    /** The camera registry of a cluster, read until {@code awaited} is in it, then to its end. */
    private static Map<String, CameraConfig> registry(String bootstrap, String awaited, Duration timeout) {
        Map<String, CameraConfig> cameras = new HashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(Topics.CAMERAS, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(Topics.CAMERAS, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            while (!cameras.containsKey(awaited) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    cameras.put(r.key(), Json.read(r.value(), CameraConfig.class));
                }
            }
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    cameras.put(r.key(), Json.read(r.value(), CameraConfig.class));
                }
            }
        }
        return cameras;
    }

    /** The ids of the motion events on {@code topic}, in the order read, once {@code expected} are there. */
    private static List<String> readAll(String bootstrap, String topic, int expected, Duration timeout)
            throws InterruptedException {
        List<String> ids = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            while (partitions.isEmpty() && System.nanoTime() < deadline) {
                var infos = c.partitionsFor(topic, Duration.ofSeconds(2));
                if (infos == null || infos.isEmpty()) {
                    Thread.sleep(250); // MirrorMaker creates the remote topic once it sees north's
                    continue;
                }
                infos.forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            }
            c.assign(partitions);
            c.seekToBeginning(partitions);
            while (ids.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    ids.add(Json.read(r.value(), MotionEvent.class).eventId());
                }
            }
        }
        return ids;
    }
}
