package org.vigil.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.contracts.Topics;
import org.vigil.devstack.embedded.EmbeddedKafka;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.embedded.TopicAdmin;
import org.vigil.devstack.testing.DelayRelay;
import org.vigil.devstack.testing.JavaCommand;
import org.vigil.devstack.testing.ServiceProcesses;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.devstack.testing.SiteTraffic;
import org.vigil.devstack.testing.TestTokens;
import org.vigil.devstack.testing.WanLink;
import org.vigil.sitelink.config.SiteCredentials;

/**
 * Two site nodes and a central part on this machine (design 0017, stage 3). Each site (its Kafka, capture and
 * recorder, a synthetic camera) runs in a network namespace of its own, linked to central through a veth link capped
 * at 10 Mbit/s, dropping 0.5 % of packets each way, with 50 ms of round trip (checked: a request's round trip and the
 * throughput across each link are measured first). Each site node is started as an operator would, with
 * {@code ./vigil up --site <id> --central <gateway>} inside its namespace. Central runs event-service, site-link
 * (MirrorMaker 2) and the gateway (packaged services), whose site directory sends each site's footage to that site's
 * recorder across its link: a clip plays before the cut. Then both links are cut for {@code vigil.wan.cut-seconds}
 * (120):
 * <ul>
 * <li>playback of either site is refused at once, 503 "site north has been unreachable since …" (403 for a user of the
 * other site, who learns nothing of it);</li>
 * <li>both sites keep recording (their segment files grow) and detecting (their motion events of the cut arrive
 * after it);</li>
 * <li>central shows each site "disconnected" since its last heartbeat;</li>
 * <li>after the cut every motion event, segment announcement and audit entry of each site reaches central, in order,
 * none lost or doubled (by id), the audit chain verifies, and the catch-up time is reported; the footage each site
 * recorded during the cut plays through central, and the sites' recorders' own audit entries of these viewings reach
 * central's chain.</li>
 * <li>throughout, central's camera registry reaches each site filtered to its own cameras, and no media topic is
 * mirrored to central (video leaves a site only when someone watches or exports it).</li>
 * </ul>
 */
class SiteWanIT {

    private static final Duration CUT = Duration.ofSeconds(Long.getLong("vigil.wan.cut-seconds", 120));
    private static final List<String> SITES = List.of("north", "south");

    private final Path home = Path.of("target", "site-wan-it").toAbsolutePath();
    private final Opened opened = new Opened();
    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, String> emulated = new java.util.concurrent.ConcurrentSkipListMap<>();
    /** Central's gateway: its port (the sites' recorders read its keys across their links). */
    private int gatewayPort;

    @AfterEach
    void tearDown() {
        opened.close();
    }

    /** A site node: its link, its relay, and its processes' home. */
    /** Where central's site-link finds each site's certificate and password. */
    private Path linkDir;

    private record Site(String id, WanLink link, DelayRelay relay, DelayRelay recorder, Path home) {
        String overWan() {
            return "127.0.0.1:" + relay.port();
        }
    }

    @Test
    void twoSitesKeepRecordingThroughACutAndCentralGetsEverythingInOrderOnceAfter() throws Exception {
        Optional<String> why = WanLink.unavailable();
        assumeTrue(why.isEmpty(), () -> "no WAN link can be emulated here: " + why.orElse(""));
        for (String m : List.of("capture-service", "recorder-service", "event-service", "site-link")) {
            assertThat(Stack.root().resolve(m + "/target/quarkus-app/quarkus-run.jar")).as(m + " is built").exists();
        }
        WholeStackIT.deleteTree(home);
        Files.createDirectories(home);

        // central: Kafka, PostgreSQL, Redis, event-service, site-link
        EmbeddedKafka central = new EmbeddedKafka(home.resolve("central-kafka"), SharedServers.freePort(),
                SharedServers.freePort());
        central.start();
        opened.add(central);
        TopicAdmin.ensureTopics(central.bootstrapServers(), (short) 1, Duration.ofHours(1), Duration.ofSeconds(30));
        EmbeddedPostgresServer pg = SharedServers.postgres();
        CentralEvents events = CentralEvents.start(opened, central.bootstrapServers(), pg.url(),
                home.resolve("event-service.log"), Map.of("VIGIL_SITE_CONTACT_TIMEOUT", "5s",
                        "KAFKA_METADATA_MAX_AGE_MS", "2000"));
        int eventsPort = events.port();

        // the camera registry, at central: one synthetic camera per site
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                central.bootstrapServers(), "acks", "all"), new StringSerializer(), new ByteArraySerializer())) {
            for (String s : SITES) {
                p.send(new ProducerRecord<>(Topics.CAMERAS, "cam-" + s, Json.write(new CameraConfig(1, "cam-" + s,
                        "Gate " + s, s, "test:?size=320x180&fps=10", null, true, 0.5, List.of(), List.of(),
                        Instant.now(), "ada"))));
            }
            p.flush();
        }

        // central's gateway, signing with the test issuer's key (which event-service trusts); the site directory
        // sends each site's footage to that site's recorder, across its link
        Path keys = home.resolve("gateway-keys");
        TestTokens.writeSigningKey(keys);
        gatewayPort = SharedServers.freePort();
        int gatewayManagement = SharedServers.freePort();
        Map<String, DelayRelay> recorderRelays = new LinkedHashMap<>();
        int subnet = 71;
        StringBuilder directory = new StringBuilder();
        for (String s : SITES) {
            DelayRelay r = DelayRelay.start(new InetSocketAddress(WanLink.siteAddress(subnet++), 8082),
                    Duration.ofMillis(25));
            opened.add(r);
            recorderRelays.put(s, r);
            directory.append(directory.isEmpty() ? "" : ",").append(s).append("=http://127.0.0.1:").append(r.port());
        }
        Map<String, String> gatewayEnv = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", central.bootstrapServers(),
                "DATABASE_URL", pg.url(), "REDIS_URL", SharedServers.redis().url(), "VIGIL_KEYS_DIR", keys.toString(),
                "VIGIL_EVENTS_URL", "http://127.0.0.1:" + eventsPort, "VIGIL_SITE_RECORDERS", directory.toString(),
                "VIGIL_BOOTSTRAP_ADMIN_PASSWORD", "site-wan-admin-password", "QUARKUS_HTTP_HOST", "0.0.0.0",
                "QUARKUS_HTTP_PORT", Integer.toString(gatewayPort), "QUARKUS_MANAGEMENT_PORT",
                Integer.toString(gatewayManagement)));
        int exportPort = SharedServers.freePort();
        int exportManagement = SharedServers.freePort();
        gatewayEnv.put("VIGIL_EXPORT_URL", "http://127.0.0.1:" + exportPort);
        Process gateway = service("gateway", home.resolve("gateway.log"), null, gatewayEnv);
        // central's export service: a site's segments come from that site's recorder, with the request's grant
        Process export = service("export-service", home.resolve("export-service.log"), null, new HashMap<>(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", central.bootstrapServers(), "DATABASE_URL", pg.url(), "VIGIL_GATEWAY_URL",
                "http://127.0.0.1:" + gatewayPort, "VIGIL_SITE_RECORDERS", directory.toString(), "VIGIL_EXPORTS_DIR",
                home.resolve("exports").toString(), "VIGIL_KEYS_DIR", home.resolve("export-keys").toString(),
                "VIGIL_DEV_SIGNING_KEY", "true", "RECORDINGS_DIR", Files.createDirectories(home.resolve(
                        "central-recordings")).toString(),
                "QUARKUS_HTTP_PORT", Integer.toString(exportPort), "QUARKUS_MANAGEMENT_PORT",
                Integer.toString(exportManagement))));

        // the sites, each behind its link; what each node prints for central goes into site-link's directory
        linkDir = Files.createDirectories(home.resolve("site-link-credentials"));
        // side by side, as two sites' operators would: each start is a minute or more of the site's own work
        Map<String, java.util.concurrent.CompletableFuture<Site>> starting = new LinkedHashMap<>();
        subnet = 71;
        for (String s : SITES) {
            int n = subnet++;
            starting.put(s, java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return site(s, n, recorderRelays.get(s));
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }));
        }
        Map<String, Site> sites = new LinkedHashMap<>();
        for (var e : starting.entrySet()) {
            try {
                sites.put(e.getKey(), e.getValue().join());
            } catch (java.util.concurrent.CompletionException failed) {
                throw failed.getCause() instanceof Exception ex ? ex : failed;
            }
        }
        StringBuilder list = new StringBuilder();
        sites.values().forEach(s -> list.append(list.isEmpty() ? "" : ",").append(s.id()).append('=')
                .append(s.overWan()));
        int linkManagement = SharedServers.freePort();
        service("site-link", home.resolve("site-link.log"), null, Map.of("KAFKA_BOOTSTRAP_SERVERS",
                central.bootstrapServers(), "VIGIL_SITES", list.toString(), "VIGIL_SITE_LINK_DIR", linkDir.toString(),
                "VIGIL_SITE_LINK_REPLICATION_FACTOR", "1", "VIGIL_SITE_LINK_REFRESH", "1s", "QUARKUS_MANAGEMENT_PORT",
                Integer.toString(linkManagement)));
        events.ready();
        ServiceProcesses.awaitReady(gatewayManagement, gateway, Duration.ofSeconds(120));
        ServiceProcesses.awaitReady(exportManagement, export, Duration.ofSeconds(120));

        // a site's link admits central's site-link only: a node that shows another site's certificate fails the TLS
        // handshake (central pins each site's own), and a wrong password is refused by the site
        for (String s : SITES) {
            String other = SITES.get(1 - SITES.indexOf(s));
            SiteCredentials own = SiteCredentials.load(linkDir, List.of(s)).get(s);
            SiteCredentials foreignCert = new SiteCredentials(linkDir.resolve(other + ".pem"), own.password());
            SiteCredentials wrongPassword = new SiteCredentials(own.certificate(), "not-" + own.password());
            assertThat(refusal(sites.get(s).overWan(), foreignCert)).as(s + " with " + other + "'s certificate pinned")
                    .isInstanceOf(org.apache.kafka.common.errors.SslAuthenticationException.class);
            assertThat(refusal(sites.get(s).overWan(), wrongPassword)).as(s + " with a wrong password")
                    .isInstanceOf(org.apache.kafka.common.errors.SaslAuthenticationException.class);
        }

        // 1. linked: each site's camera (pushed by central) records and detects, and central hears of it
        for (String s : SITES) {
            Stack.await(s + " connected, with a segment and a motion event at central", Duration.ofSeconds(240),
                    () -> "connected".equals(site(eventsPort, s).path("state").asText())
                            && count("segments", s) > 0 && count("motion_events", s) > 0);
            audit(sites.get(s), 0, 20);
        }
        // central's camera registry reached each site filtered to the site's own cameras: the other site's camera (and
        // the credentials its URL may hold) never crosses into it
        for (Site s : sites.values()) {
            assertThat(new java.util.LinkedHashSet<>(atSite(s, Topics.CAMERAS, "id"))).as(s.id() + "'s camera registry")
                    .containsExactly("cam-" + s.id());
        }
        // each site's footage, through central's gateway from the site's recorder, across its link
        Map<String, String> firstByte = new LinkedHashMap<>();
        for (String s : SITES) {
            Instant[] span = recorded(s, Instant.EPOCH, Instant.now());
            long t = System.nanoTime();
            HttpResponse<byte[]> clip = playback("cam-" + s, span[0], span[1], "*");
            firstByte.put(s, (System.nanoTime() - t) / 1_000_000 + " ms for " + clip.body().length / 1000 + " kB");
            assertThat(clip.statusCode()).as(s + "'s footage through the gateway: " + body(clip)).isEqualTo(200);
            assertMp4(s, clip);
        }
        // and its live pictures, streamed from the site's recorder only while someone watches
        Map<String, String> live = new LinkedHashMap<>();
        for (String s : SITES) {
            live.put(s, watchLive(s));
            awaitLiveEnded(sites.get(s));
        }

        // 2. both links cut
        Instant cutAt = Instant.now();
        Map<String, Long> filesAtCut = new HashMap<>();
        for (Site s : sites.values()) {
            s.link().cut();
            filesAtCut.put(s.id(), segmentFiles(s));
        }
        for (String s : SITES) {
            Stack.await(s + " shown disconnected", Duration.ofSeconds(30),
                    () -> "disconnected".equals(site(eventsPort, s).path("state").asText()));
            JsonNode shown = site(eventsPort, s);
            Instant since = Instant.parse(shown.path("lastContact").asText());
            assertThat(since).as(s + " disconnected since its last contact").isBefore(Instant.now().minusSeconds(5))
                    .isAfter(cutAt.minusSeconds(10));
        }
        // playback of a cut-off site says so at once, and since when; a user of the other site learns nothing of it
        for (String s : SITES) {
            Instant since = Instant.parse(site(eventsPort, s).path("lastContact").asText());
            long t = System.nanoTime();
            HttpResponse<byte[]> refused = playback("cam-" + s, cutAt.minusSeconds(30), cutAt, "*");
            long ms = (System.nanoTime() - t) / 1_000_000;
            JsonNode answer = Json.mapper().readTree(refused.body());
            assertThat(refused.statusCode()).as(s + " during the cut: " + body(refused)).isEqualTo(503);
            assertThat(answer.path("message").asText()).as(s + " during the cut").startsWith("site " + s
                    + " has been unreachable since " + since.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
            assertThat(ms).as(s + ": answered at once, not after a connection's timeout").isLessThan(3000);
            String other = SITES.get(1 - SITES.indexOf(s));
            HttpResponse<byte[]> foreign = playback("cam-" + s, cutAt.minusSeconds(30), cutAt, other);
            assertThat(foreign.statusCode()).as("a user of " + other + " asking for " + s).isEqualTo(403);
            assertThat(body(foreign)).doesNotContain("unreachable").doesNotContain("since");
        }
        Map<String, Long> centralSegmentsAtCut = new HashMap<>();
        for (String s : SITES) {
            centralSegmentsAtCut.put(s, count("segments", s));
            audit(sites.get(s), 20, 50); // the sites' services go on auditing
        }
        while (Duration.between(cutAt, Instant.now()).compareTo(CUT) < 0) {
            for (String s : SITES) {
                assertThat(site(eventsPort, s).path("state").asText()).as(s + " during the cut")
                        .isEqualTo("disconnected");
            }
            Thread.sleep(1000); // the cut lasts CUT: this loop only watches it
        }
        for (Site s : sites.values()) {
            assertThat(segmentFiles(s)).as(s.id() + " kept recording through the cut")
                    .isGreaterThan(filesAtCut.get(s.id()));
            assertThat(count("segments", s.id())).as("nothing of " + s.id() + " crossed the cut")
                    .isEqualTo(centralSegmentsAtCut.get(s.id()));
        }

        // 3. links back: everything arrives, in order, once
        Instant restoredAt = Instant.now();
        for (Site s : sites.values()) {
            s.link().restore();
        }
        Map<String, Double> catchUp = new LinkedHashMap<>();
        for (Site s : sites.values()) {
            List<String> motion = atSite(s, Topics.MOTION, "eventId");
            List<String> segments = atSite(s, Topics.SEGMENTS, "segmentId");
            List<String> audit = atSite(s, Topics.AUDIT, "id");
            assertThat(motion).as(s.id() + "'s motion events, at the site").isNotEmpty();
            Stack.await(s.id() + " caught up", Duration.ofSeconds(180), () -> {
                List<String> m = ids(central.bootstrapServers(), s.id() + "." + Topics.MOTION, "eventId");
                return m.size() >= motion.size()
                        && ids(central.bootstrapServers(), s.id() + "." + Topics.SEGMENTS, "segmentId").size()
                                >= segments.size()
                        && count("audit_log", s.id()) >= audit.size()
                        && count("segments", s.id()) >= segments.size();
            });
            catchUp.put(s.id(), Duration.between(restoredAt, Instant.now()).toMillis() / 1000.0);
            // at central, in the site's order (MirrorMaker may replay a little after a cut: the store keeps one row
            // per id, which the counts below check; the site's camera goes on, so more may follow what was read)
            assertThat(new ArrayList<>(new java.util.LinkedHashSet<>(ids(central.bootstrapServers(), s.id() + "."
                    + Topics.MOTION, "eventId")))).as(s.id() + "'s motion records at central")
                    .startsWith(new java.util.LinkedHashSet<>(motion).toArray(String[]::new));
            assertThat(new ArrayList<>(new java.util.LinkedHashSet<>(ids(central.bootstrapServers(), s.id() + "."
                    + Topics.SEGMENTS, "segmentId")))).as(s.id() + "'s segment announcements at central")
                    .startsWith(new java.util.LinkedHashSet<>(segments).toArray(String[]::new));
            Stack.await(s.id() + ": one stored row per segment mirrored", Duration.ofSeconds(30), () -> count("segments",
                    s.id()) == ids(central.bootstrapServers(), s.id() + "." + Topics.SEGMENTS, "segmentId").stream()
                            .distinct().count());
            assertThat(auditOrder(s.id())).as(s.id() + "'s audit entries, in the site's order, once")
                    .containsExactlyElementsOf(IntStream.range(0, 50).mapToObj(i -> SiteTraffic.eventId(s.id(), i))
                            .toList());
            Stack.await(s.id() + ": one stored row per motion event mirrored", Duration.ofSeconds(30), () -> count(
                    "motion_events", s.id()) == ids(central.bootstrapServers(), s.id() + "." + Topics.MOTION,
                            "eventId").stream().distinct().count());
            assertThat(motionDuringCut(s.id(), cutAt, restoredAt)).as(s.id() + " kept detecting through the cut")
                    .isPositive();
        }
        // the footage each site recorded while cut off is played through central once the link is back
        for (String s : SITES) {
            Instant[] span = recorded(s, cutAt.plusSeconds(2), restoredAt);
            assertThat(span[0]).as(s + " recorded during the cut").isBefore(restoredAt);
            HttpResponse<byte[]> clip = playback("cam-" + s, span[0], span[1], "*");
            assertThat(clip.statusCode()).as(s + "'s footage of the cut: " + body(clip)).isEqualTo(200);
            assertMp4(s, clip);
            // the site's recorder audited both viewings itself, and its entries crossed the link into central's chain
            Stack.await(s + "'s recorder's audit entries of the two viewings, at central", Duration.ofSeconds(60),
                    () -> queryLong("select count(*) from events.audit_log where site = '" + s + "' and actor = 'ada'"
                            + " and action = 'recording.view' and service = 'recorder-service'") == 2);
        }
        // an export at central of what each site recorded during the cut: its segments come from the site's recorder,
        // across the link, and the package verifies offline
        Map<String, String> exported = new LinkedHashMap<>();
        for (String s : SITES) {
            long t = System.nanoTime();
            exported.put(s, exportAndVerify(s, recorded(s, cutAt.plusSeconds(2), restoredAt)) + " in "
                    + (System.nanoTime() - t) / 1_000_000 + " ms");
        }
        // video never left either site: central holds each site's metadata topics and no copy of a media topic
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(Map.<String,
                Object>of("bootstrap.servers", central.bootstrapServers()))) {
            java.util.Set<String> topics = admin.listTopics().names().get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(topics).as("central's topics").contains("north." + Topics.MOTION, "south." + Topics.SEGMENTS)
                    .noneMatch(t -> t.endsWith(Topics.MEDIA) && !t.equals(Topics.MEDIA));
        }
        JsonNode verify = get(eventsPort, "/api/audit/verify");
        assertThat(verify.path("ok").asBoolean()).as(verify.toString()).isTrue();
        // the links' secrets are in no log of central's or the sites'
        for (String s : SITES) {
            String secret = Files.readString(linkDir.resolve(s + ".password")).strip();
            for (Path log : List.of(home.resolve("site-link.log"), home.resolve("export-service.log"),
                    home.resolve("gateway.log"), sites.get(s).home().resolve("vigil-up.log"))) {
                assertThat(Files.readString(log)).as(log + " holds " + s + "'s link password").doesNotContain(secret);
            }
        }
        System.out.printf("two sites behind 10 Mbit/s, 50 ms, 0.5 %% loss links (%s); playback through central's "
                + "gateway from each site's recorder: first clip %s; live view %s; cut for %d s: recording and detection went on "
                + "at both, playback answered 503 with since when; after the cut every motion event, segment "
                + "announcement and audit entry reached central in order, none lost or doubled; caught up %s s after "
                + "the links came back; exports of the cut's footage from each site %s%n", emulated, firstByte, live,
                CUT.toSeconds(), catchUp, exported);
    }

    /**
     * The link is what it claims: a request across it takes at least the round trip, and 0.6 MB take at least the
     * time 10 Mbit/s allows (the token bucket's small burst aside).
     *
     * @return what was measured
     */
    private static String checkTheLink(String overWan, SiteCredentials credentials) throws Exception {
        long rtt = Long.MAX_VALUE;
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                client(overWan, credentials))) {
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
                new org.apache.kafka.clients.producer.KafkaProducer<>(with(client(overWan, credentials), "acks",
                        "all", "linger.ms", "0"), new org.apache.kafka.common.serialization.StringSerializer(),
                        new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            p.partitionsFor(Topics.PREVIEWS); // metadata first: time the bytes only
            t = System.nanoTime();
            for (int i = 0; i < 6; i++) {
                p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(Topics.PREVIEWS, "probe", chunk));
            }
            p.flush();
        }
        double seconds = (System.nanoTime() - t) / 1e9;
        double mbits = 6 * chunk.length * 8 / seconds / 1e6;
        assertThat(mbits).as("throughput across the link, Mbit/s").isLessThan(13.0);
        return String.format("measured: %d ms round trip, %.1f Mbit/s", rtt, mbits);
    }

    /**
     * Exports {@code site}'s camera over {@code span} through central's gateway as an operator of the site, waits for
     * it, downloads the package and verifies it with the export service's key.
     *
     * @return the package's segments and size
     */
    private String exportAndVerify(String site, Instant[] span) throws Exception {
        String token = TestTokens.token("olga", "operator", site);
        String body = "{\"cameras\":[\"cam-" + site + "\"],\"from\":\"" + span[0] + "\",\"to\":\"" + span[1]
                + "\",\"reason\":\"site-wan-it " + site + "\"}";
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort
                + "/api/exports")).header("Authorization", "Bearer " + token).header("Content-Type",
                        "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(site + "'s export: " + created.body()).isEqualTo(202);
        String id = Json.mapper().readTree(created.body()).path("id").asText();
        String[] state = {null};
        Stack.await(site + "'s export " + id + " ends", Duration.ofSeconds(120), () -> {
            try {
                JsonNode j = Json.mapper().readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + gatewayPort + "/api/exports/" + id)).header("Authorization", "Bearer " + token).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                state[0] = j.path("state").asText() + " " + j.path("error").asText("");
                return !j.path("state").asText().matches("queued|running");
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(state[0]).as(site + "'s export").startsWith("done");
        Path zip = home.resolve("export-" + site + ".zip");
        HttpResponse<Path> dl = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort
                + "/api/exports/" + id + "/download")).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofFile(zip));
        assertThat(dl.statusCode()).isEqualTo(200);
        String pem = Json.mapper().readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + gatewayPort + "/api/exports/keys")).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString()).body()).path("publicKeyPem").asText();
        org.vigil.evidence.ExportVerifier.Report report = org.vigil.evidence.ExportVerifier.verify(zip,
                Optional.of(org.vigil.evidence.Signing.readPublic(pem)));
        assertThat(report.problems()).as(site + "'s package").isEmpty();
        long segments;
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(zip.toFile())) {
            segments = z.stream().filter(e -> e.getName().startsWith("segments/cam-" + site + "/recording_cam-"
                    + site + "_")).count();
        }
        assertThat(segments).as(site + "'s segments in its package").isPositive();
        return segments + " segments, " + Files.size(zip) / 1000 + " kB";
    }

    /** A Kafka client's settings for a site's link, as central's site-link has them. */
    private static Map<String, Object> client(String overWan, SiteCredentials credentials) {
        Map<String, Object> c = new HashMap<>(credentials.clientProperties());
        c.put("bootstrap.servers", overWan);
        return c;
    }

    private static Map<String, Object> with(Map<String, Object> base, String... pairs) {
        Map<String, Object> c = new HashMap<>(base);
        for (int i = 0; i < pairs.length; i += 2) {
            c.put(pairs[i], pairs[i + 1]);
        }
        return c;
    }

    /** What a site's link answers a client with these credentials: the cause of its failure, or null if admitted. */
    private static Throwable refusal(String overWan, SiteCredentials credentials) throws Exception {
        Map<String, Object> c = with(client(overWan, credentials), "request.timeout.ms", "20000",
                "default.api.timeout.ms", "30000", "reconnect.backoff.max.ms", "2000");
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(c)) {
            admin.describeCluster().clusterId().get(60, java.util.concurrent.TimeUnit.SECONDS);
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        }
    }

    /** A site node: its link, its Kafka, capture and recorder, inside its namespace. */
    private Site site(String id, int subnet, DelayRelay recorderRelay) throws Exception {
        WanLink link = WanLink.create(id, subnet);
        opened.add(link);
        link.cap(10_000_000);
        link.loss(0.005);
        DelayRelay relay = DelayRelay.start(new InetSocketAddress(link.siteAddress(), 9094), Duration.ofMillis(25));
        opened.add(relay);
        Site s = new Site(id, link, relay, recorderRelay, Files.createDirectories(home.resolve(id)));
        // the site node as an operator starts one: ./vigil up --site <id> --central <central's gateway>, inside the
        // site's namespace; its Kafka is told to advertise the relay central dials, its recorder listens for central's
        // gateway, and its services check callers' tokens against central's keys, fetched across the link
        Path out = s.home().resolve("vigil-up.log");
        ProcessBuilder pb = Stack.vigil(List.of("up", "--site", id, "--central", "http://" + link.hostAddress() + ":"
                + gatewayPort), Map.of("VIGIL_HOME", s.home().toString(), "VIGIL_SKIP_BUILD", "1", "VIGIL_BIND",
                        "0.0.0.0", "KAFKA_WAN_PORT", "9094", "KAFKA_WAN_ADVERTISED", s.overWan(), "RECORDINGS_MIN_FREE",
                        "64M", "VIGIL_HEARTBEAT_INTERVAL", "1s", "VIGIL_RECORDER_SEGMENT_LENGTH", "10s"));
        pb.command(link.inside(pb.command()));
        opened.add(pb.redirectOutput(out.toFile()).start());
        Stack.await(id + "'s site node up, see " + out, Duration.ofSeconds(240),
                () -> contains(out, "Vigil site node " + id + " is up") && contains(out, "Press Ctrl-C to stop."));
        Path cert = s.home().resolve("site-link").resolve("site-cert.pem");
        Path password = s.home().resolve("site-link").resolve("central.password");
        assertThat(Files.readString(out)).as("what to add at central")
                .contains("VIGIL_SITES (site-link):             " + id + "=" + s.overWan())
                .contains("VIGIL_SITE_RECORDERS (gateway):      " + id + "=http://").doesNotContain("postgres")
                .doesNotContain("redis").contains(cert + "  as " + id + ".pem")
                .contains(password + "  as " + id + ".password").doesNotContain(Files.readString(password).strip());
        assertThat(Files.getPosixFilePermissions(password)).as("central's password at the site")
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.copy(cert, linkDir.resolve(id + ".pem"));
        Files.copy(password, linkDir.resolve(id + ".password"));
        Files.setPosixFilePermissions(linkDir.resolve(id + ".password"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        emulated.put(id, checkTheLink(s.overWan(), SiteCredentials.load(linkDir, List.of(id)).get(id)));
        return s;
    }

    /** Starts a service's packaged jar, inside a site's namespace when {@code link} is given. */
    private Process service(String module, Path log, WanLink link, Map<String, String> env) throws Exception {
        // MirrorMaker runs a Connect worker per target cluster (central and each site), each with its clients
        ProcessBuilder pb = Stack.service(module, module.equals("site-link") ? "512m" : "256m", log, env);
        if (link != null) {
            pb.command(link.inside(pb.command()));
        }
        return opened.add(pb.start());
    }

    /** A site's services' audit entries {@code from}..{@code to}, written at the site. */
    private void audit(Site s, int from, int to) throws Exception {
        Path log = s.home().resolve("audit-" + from + ".log");
        Process p = new ProcessBuilder(s.link().inside(JavaCommand.of("-Xmx128m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), SiteTraffic.class.getName(), "127.0.0.1:19092", s.id(),
                "cam-" + s.id(), Integer.toString(from), Integer.toString(to), "50", "audit")))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(p.waitFor()).as("audit entries at " + s.id() + ", see " + log).isZero();
    }

    /** A camera's footage from {@code from} to {@code to}, through central's gateway, as an admin of {@code sites}. */
    private HttpResponse<byte[]> playback(String camera, Instant from, Instant to, String sites) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + "/api/recorder/playback/"
                + camera + ".mp4?from=" + from.truncatedTo(java.time.temporal.ChronoUnit.MILLIS) + "&to="
                + to.truncatedTo(java.time.temporal.ChronoUnit.MILLIS))).timeout(Duration.ofSeconds(90))
                .header("Authorization", "Bearer " + TestTokens.token("ada", "admin", sites)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    /**
     * Watches {@code site}'s camera on central's gateway as a viewer of that site until 5 previews came (each of that
     * camera), then natively (its own H.264 as fMP4 from the site's recorder, design 0019) until its init segment and 5
     * fragments came, then stops.
     *
     * @return how long the first frame, the five and the native stream took
     */
    private String watchLive(String site) throws Exception {
        String camera = "cam-" + site;
        java.util.concurrent.CopyOnWriteArrayList<String> frames = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CopyOnWriteArrayList<String> natively = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicLong first = new java.util.concurrent.atomic.AtomicLong();
        long t = System.nanoTime();
        java.net.http.WebSocket ws = http.newWebSocketBuilder()
                .header("Authorization", "Bearer " + TestTokens.token("vera", "viewer", site))
                .buildAsync(URI.create("ws://127.0.0.1:" + gatewayPort + "/ws"), new java.net.http.WebSocket.Listener() {
                    private final java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream();

                    @Override
                    public java.util.concurrent.CompletionStage<?> onBinary(java.net.http.WebSocket w,
                            java.nio.ByteBuffer data, boolean last) {
                        byte[] b = new byte[data.remaining()];
                        data.get(b);
                        partial.writeBytes(b);
                        if (last) {
                            first.compareAndSet(0, System.nanoTime());
                            org.vigil.contracts.LiveFrame.Header h = org.vigil.contracts.LiveFrame.header(
                                    partial.toByteArray());
                            if (h != null && !"jpeg".equals(h.kind())) { // a preview's header has no kind
                                natively.add(h.camera() + " " + h.kind());
                            } else {
                                frames.add(String.valueOf(org.vigil.contracts.LiveFrame.camera(partial.toByteArray())));
                            }
                            partial.reset();
                        }
                        w.request(1);
                        return null;
                    }
                }).get(10, java.util.concurrent.TimeUnit.SECONDS);
        try {
            ws.sendText("{\"type\":\"watch\",\"cameras\":[\"" + camera + "\"]}", true).get(10,
                    java.util.concurrent.TimeUnit.SECONDS);
            Stack.await(site + "'s live pictures through central's gateway", Duration.ofSeconds(60),
                    () -> frames.size() >= 5);
            assertThat(frames).as(site + "'s live frames").allMatch(camera::equals);
            String previews = String.format("first frame %d ms, 5 frames %d ms", (first.get() - t) / 1_000_000,
                    (System.nanoTime() - t) / 1_000_000);
            // the camera's own stream across the WAN: opened at the site's recorder for this camera only
            long n = System.nanoTime();
            ws.sendText("{\"type\":\"watch\",\"cameras\":[\"" + camera + "\"],\"native\":[\"" + camera + "\"]}",
                    true).get(10, java.util.concurrent.TimeUnit.SECONDS);
            Stack.await(site + "'s native live video through central's gateway", Duration.ofSeconds(60),
                    () -> natively.contains(camera + " init")
                            && natively.stream().filter((camera + " fmp4")::equals).count() >= 5);
            assertThat(natively).as(site + "'s native messages").allMatch(m -> m.startsWith(camera + " "));
            return previews + String.format(", native init and 5 fragments %d ms", (System.nanoTime() - n)
                    / 1_000_000);
        } finally {
            ws.abort();
        }
    }

    /** The site's recorder stopped streaming {@code site}'s camera: nothing crosses the link once nobody watches. */
    private void awaitLiveEnded(Site s) throws InterruptedException {
        Path log = s.home().resolve("logs/recorder-service.log");
        Stack.await(s.id() + "'s recorder stops streaming once nobody watches", Duration.ofSeconds(30),
                // both streams: the previews' and the native one's (whose line says "native live view of …")
                () -> occurrences(log, "live view of cam-" + s.id() + " ended after") >= 2
                        && contains(log, "native live view of cam-" + s.id() + " ended after"));
    }

    /** An MP4 (its first box is {@code ftyp}) of some size: footage, not an error page. */
    private static void assertMp4(String site, HttpResponse<byte[]> clip) {
        assertThat(clip.headers().firstValue("content-type")).as(site).hasValue("video/mp4");
        byte[] b = clip.body();
        assertThat(b.length).as(site + "'s clip, bytes").isGreaterThan(10_000);
        assertThat(new String(b, 4, 4, java.nio.charset.StandardCharsets.US_ASCII)).as(site).isEqualTo("ftyp");
    }

    private static String body(HttpResponse<byte[]> r) {
        return new String(r.body(), 0, Math.min(r.body().length, 300), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The first and last moment of {@code site}'s segments central knows of, between {@code from} and {@code to}. */
    private static Instant[] recorded(String site, Instant from, Instant to) {
        try (Connection c = DriverManager.getConnection(SharedServers.postgres().jdbcUrl(),
                EmbeddedPostgresServer.SUPERUSER, ""); ResultSet rs = c.createStatement().executeQuery(
                        "select min(started_at), max(ended_at) from events.segments where site = '" + site
                                + "' and started_at >= '" + from + "'::timestamptz and ended_at <= '" + to
                                + "'::timestamptz")) {
            rs.next();
            assertThat(rs.getTimestamp(1)).as(site + " has segments between " + from + " and " + to).isNotNull();
            return new Instant[] {rs.getTimestamp(1).toInstant(), rs.getTimestamp(2).toInstant()};
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }

    private JsonNode site(int port, String site) {
        JsonNode all = get(port, "/api/sites/status?site=" + site);
        for (JsonNode n : all) {
            if (site.equals(n.path("site").asText())) {
                return n;
            }
        }
        return Json.mapper().createObjectNode();
    }

    private JsonNode get(int port, String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .header("Authorization", "Bearer " + TestTokens.token("ada", "admin", "*")).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Json.mapper().readTree(r.body()) : Json.mapper().createObjectNode();
        } catch (Exception e) {
            return Json.mapper().createObjectNode();
        }
    }

    /** Rows of an event-store table for a site. */
    private static long count(String table, String site) {
        return queryLong("select count(*) from events." + table + " where site = '" + site + "'");
    }

    /** Motion the site saw while cut off: events it followed (a start, an update or an end) during the cut. */
    private static long motionDuringCut(String site, Instant cutAt, Instant restoredAt) {
        return queryLong("select count(*) from events.motion_events where site = '" + site + "' and started_at < '"
                + restoredAt + "'::timestamptz and coalesce(ended_at, last_at) > '" + cutAt
                + "'::timestamptz + interval '5 seconds'");
    }

    /** The ids of {@code site}'s own audit entries (its producer's, {@link SiteTraffic}), in central's chain order. */
    private static List<String> auditOrder(String site) {
        List<String> ids = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(SharedServers.postgres().jdbcUrl(),
                EmbeddedPostgresServer.SUPERUSER, "");
                ResultSet rs = c.createStatement().executeQuery("select id from events.audit_log where site = '"
                        + site + "' and actor = '" + site + "-admin' order by seq")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        } catch (java.sql.SQLException e) {
            return List.of(); // the schema is not there yet
        }
        return ids;
    }

    private static long queryLong(String sql) {
        try (Connection c = DriverManager.getConnection(SharedServers.postgres().jdbcUrl(),
                EmbeddedPostgresServer.SUPERUSER, ""); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return -1; // the schema is not there yet
        }
    }

    /** What a site's own Kafka holds, read across its link once it is back (retried until the link carries it). */
    private List<String> atSite(Site s, String topic, String field) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            try { // as central's site-link reads it
                return read(client(s.overWan(), SiteCredentials.load(linkDir, List.of(s.id())).get(s.id())), topic,
                        field);
            } catch (Exception e) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("cannot read " + topic + " at " + s.id() + ": " + e, e);
                }
                Thread.sleep(500);
            }
        }
    }

    /** {@link #read}, or what could be read so far (empty) while a topic or its cluster is not there yet. */
    private static List<String> ids(String bootstrap, String topic, String field) {
        try {
            return read(bootstrap, topic, field);
        } catch (Exception e) {
            return List.of();
        }
    }

    /** The {@code field} of every JSON record on {@code topic}, in partition then offset order. */
    private static List<String> read(String bootstrap, String topic, String field) throws Exception {
        return read(Map.of("bootstrap.servers", bootstrap), topic, field);
    }

    private static List<String> read(Map<String, Object> client, String topic, String field) throws Exception {
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(with(client, "default.api.timeout.ms", "15000"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            var infos = c.partitionsFor(topic, Duration.ofSeconds(10));
            for (var info : infos) {
                TopicPartition tp = new TopicPartition(topic, info.partition());
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                long end = c.endOffsets(List.of(tp)).get(tp);
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (c.position(tp) < end) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException("reading " + tp + " took over 30 s");
                    }
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                        out.add(Json.mapper().readTree(r.value()).path(field).asText());
                    }
                }
            }
        }
        return out;
    }

    private static long segmentFiles(Site s) throws Exception {
        Path dir = s.home().resolve("recordings");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> p.getFileName().toString().endsWith(".avi")).count();
        }
    }

    private static int occurrences(Path log, String text) {
        try {
            return Files.exists(log) ? Files.readString(log).split(java.util.regex.Pattern.quote(text), -1).length - 1
                    : 0;
        } catch (Exception e) {
            return 0;
        }
    }

        private static boolean contains(Path log, String text) {
        try {
            return Files.exists(log) && Files.readString(log).contains(text);
        } catch (Exception e) {
            return false;
        }
    }
}
