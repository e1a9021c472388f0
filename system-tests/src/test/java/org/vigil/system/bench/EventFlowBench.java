package org.vigil.system.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.vigil.contracts.Json;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.Topics;
import org.vigil.devstack.embedded.EmbeddedPostgresServer;
import org.vigil.devstack.testing.ServiceProcesses;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.devstack.testing.TestTokens;

/**
 * Events through the whole path: Kafka → event-service (batched into PostgreSQL) → Redis → gateway → WebSocket client,
 * with the services in their own JVMs as {@code ./vigil up} runs them.
 * <ul>
 * <li>throughput: a backlog of motion events drained end to end (events/s at the client, rows/s in PostgreSQL, CPU
 * of the two services per 1000 events), beside the rate a plain Kafka consumer reads the same backlog (the input's
 * ceiling) as the baseline; goal ≥ 20,000/s;</li>
 * <li>latency: 1,000 events/s for 20 s after 30 s of warm-up, publish-to-WebSocket p50/p99, beside Kafka's own
 * publish-to-consume latency measured the same way; goal p99 < 100 ms; measured again right after the burst.</li>
 * </ul>
 */
public final class EventFlowBench {


    public static void main(String[] args) throws Exception {
        int backlog = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        String bootstrap = SharedServers.kafka().bootstrapServers();
        var pg = SharedServers.postgres();
        var redis = SharedServers.redis();
        Path work = Path.of("target", "bench-events").toAbsolutePath();
        Files.createDirectories(work);
        Path keys = work.resolve("keys");
        TestTokens.writeSigningKey(keys);
        int gw = SharedServers.freePort();
        int ev = SharedServers.freePort();
        int gwManagement = SharedServers.freePort();
        int evManagement = SharedServers.freePort();
        Map<String, String> env = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap, "DATABASE_URL", pg.url(),
                "REDIS_URL", redis.url(), "VIGIL_KEYS_DIR", keys.toString(),
                "VIGIL_GATEWAY_URL", "http://127.0.0.1:" + gw, "VIGIL_EVENTS_URL", "http://127.0.0.1:" + ev,
                "VIGIL_BOOTSTRAP_ADMIN_PASSWORD", "bench-admin-password"));
        Process gateway = start("gateway", gw, gwManagement, env, work);
        ServiceProcesses.awaitReady(gwManagement, gateway, Duration.ofSeconds(120));
        Process events = start("event-service", ev, evManagement, env, work);
        ServiceProcesses.awaitReady(evManagement, events, Duration.ofSeconds(120));
        boolean ok = false;
        try {
            String site = "bench-" + UUID.randomUUID().toString().substring(0, 6);
            Client client = new Client();
            HttpClient.newHttpClient().newWebSocketBuilder()
                    .header("Authorization", "Bearer " + TestTokens.token("bench", "viewer", site))
                    .buildAsync(URI.create("ws://127.0.0.1:" + gw + "/ws"), client).get(10, TimeUnit.SECONDS);

            // latency in steady state: 30 s of warm-up (fresh JVMs compile their hot paths on two shared cores),
            // then 20 s measured, at 1000 events/s
            latencyRun(bootstrap, site, client, 30_000);
            double[] steady = latencyRun(bootstrap, site, client, 20_000);
            kafkaLatency(bootstrap, 2000); // warm-up of the measuring consumer, as for the pipeline
            double[] kafka = kafkaLatency(bootstrap, 5000);

            // throughput: the event service is stopped, a backlog is produced (in production the cameras are other
            // machines; here the producer would take the same two cores), then it starts again and drains it
            events.destroy();
            events.waitFor(60, TimeUnit.SECONDS);
            long rowsBefore = rows(pg.jdbcUrl(), site);
            long receivedBefore = client.motion.get();
            client.firstAt.set(0);
            Instant t0 = Instant.now();
            long produceStart = System.nanoTime();
            produce(bootstrap, site, backlog, 0, t0);
            double produceSeconds = (System.nanoTime() - produceStart) / 1e9;
            events = start("event-service", ev, evManagement, env, work);
            ServiceProcesses.awaitReady(evManagement, events, Duration.ofSeconds(120));
            long c0 = ServiceProcesses.cpuTicks(List.of(gateway, events));
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (client.motion.get() - receivedBefore < backlog && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            long c1 = ServiceProcesses.cpuTicks(List.of(gateway, events));
            long received = client.motion.get() - receivedBefore;
            double seconds = (client.lastAt.get() - client.firstAt.get()) / 1e9;
            double perSecond = received / seconds;
            long rows = rows(pg.jdbcUrl(), site) - rowsBefore;
            double cpu = (c1 - c0) / (double) ServiceProcesses.TICKS_PER_SECOND;
            double kafkaRate = kafkaReadRate(bootstrap, backlog);
            double[] afterBurst = latencyRun(bootstrap, site, client, 20_000);

            System.out.printf("throughput: %d events produced in %.1f s; %d received over WebSocket in %.2f s%n",
                    backlog, produceSeconds, received, seconds);
            System.out.printf("  Vigil Kafka -> PostgreSQL -> Redis -> gateway -> WebSocket: %8.0f events/s "
                    + "(%d rows stored)%n", perSecond, rows);
            System.out.printf("  baseline: a plain Kafka consumer reading the same topic:  %8.0f events/s   ratio "
                    + "%.2f%n", kafkaRate, perSecond / kafkaRate);
            System.out.printf("  CPU of event-service + gateway: %.1f core-seconds, %.1f ms per 1000 events%n", cpu,
                    cpu * 1000 / Math.max(1, received) * 1000);
            System.out.printf("  goal >= 20000 events/s: %s%n", perSecond >= 20_000 ? "met" : "MISSED");
            System.out.printf("latency at 1000 events/s, steady (after 30 s of warm-up, 20 s measured): p50 %.1f ms, "
                    + "p99 %.1f ms (max %.1f)%n", steady[0], steady[1], steady[2]);
            System.out.printf("  right after draining the burst:                                  p50 %.1f ms, "
                    + "p99 %.1f ms (max %.1f)%n", afterBurst[0], afterBurst[1], afterBurst[2]);
            System.out.printf("  baseline: Kafka publish -> consume alone: p50 %.1f ms, p99 %.1f ms   ratio p99 %.1f%n",
                    kafka[0], kafka[1], steady[1] / Math.max(0.001, kafka[1]));
            System.out.printf("  goal p99 < 100 ms: %s%n", steady[1] < 100 ? "met" : "MISSED");
            ok = perSecond >= 20_000 && steady[1] < 100 && received == backlog;
        } finally {
            gateway.destroy();
            events.destroy();
            gateway.waitFor(30, TimeUnit.SECONDS);
            events.waitFor(30, TimeUnit.SECONDS);
        }
        System.exit(ok ? 0 : 1);
    }

    /** {@code n} events at 1000/s; p50, p99 and max of publish-to-WebSocket latency in ms. */
    static double[] latencyRun(String bootstrap, String site, Client client, int n) throws Exception {
        client.latencies.clear();
        long before = client.motion.get();
        produce(bootstrap, site, n, 1000, null);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (client.motion.get() < before + n && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        return percentiles(client.latencies);
    }

    /** Sends {@code n} motion starts; at {@code rate} per second (0: as fast as possible). {@code at} = send time. */
    static void produce(String bootstrap, String site, int n, int rate, Instant fixed) {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "linger.ms", rate == 0 ? 20 : 0, "batch.size", 512 * 1024), new StringSerializer(),
                new ByteArraySerializer())) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                if (rate > 0) {
                    long due = t0 + i * 1_000_000_000L / rate;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                }
                Instant now = fixed != null ? fixed.plusNanos(i * 1000L) : Instant.now();
                String camera = "cam-" + (i % 32);
                p.send(new ProducerRecord<>(Topics.MOTION, camera, Json.write(new MotionEvent(1,
                        UUID.randomUUID().toString(), camera, site, MotionEvent.Phase.START, now, now, 0.2,
                        List.of(), null))));
            }
            p.flush();
        }
    }

    /** How fast a plain consumer reads the whole motion topic (the input ceiling), events/s. */
    static double kafkaReadRate(String bootstrap, int atLeast) {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(Topics.MOTION).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long t0 = System.nanoTime();
            long n = 0;
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (var r : c.poll(Duration.ofMillis(200))) {
                    Json.read(r.value(), MotionEvent.class);
                    n++;
                }
            }
            return n / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** Kafka alone: publish at 1000/s and consume in another thread, the same way as the pipeline is measured. */
    static double[] kafkaLatency(String bootstrap, int n) throws Exception {
        String topic = Topics.MOTION;
        ConcurrentLinkedQueue<Double> lat = new ConcurrentLinkedQueue<>();
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        String marker = "lat-" + UUID.randomUUID().toString().substring(0, 6);
        Thread reader = new Thread(() -> {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(),
                    new ByteArrayDeserializer())) {
                List<TopicPartition> parts = c.partitionsFor(topic).stream()
                        .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
                c.assign(parts);
                c.seekToEnd(parts);
                parts.forEach(c::position);
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (lat.size() < n && System.nanoTime() < deadline) {
                    for (var r : c.poll(Duration.ofMillis(50))) {
                        MotionEvent e = Json.read(r.value(), MotionEvent.class);
                        if (e.site().equals(marker)) {
                            lat.add(ChronoUnit.MICROS.between(e.at(), Instant.now()) / 1000.0);
                        }
                    }
                }
            }
        });
        reader.start();
        Thread.sleep(2000);
        produce(bootstrap, marker, n, 1000, null);
        reader.join();
        return percentiles(lat);
    }

    static double[] percentiles(java.util.Collection<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        if (v.length == 0) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
        Arrays.sort(v);
        return new double[] {v[v.length / 2], v[(int) Math.min(v.length - 1, Math.ceil(v.length * 0.99) - 1)],
                v[v.length - 1]};
    }

    /** Counts motion messages and their publish-to-receipt latency. */
    static final class Client implements WebSocket.Listener {
        final AtomicLong motion = new AtomicLong();
        final AtomicLong firstAt = new AtomicLong();
        final AtomicLong lastAt = new AtomicLong();
        final ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public void onOpen(WebSocket w) {
            w.request(Long.MAX_VALUE);
        }

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String m = partial.toString();
                partial.setLength(0);
                if (m.startsWith("[")) {
                    long now = System.nanoTime();
                    Instant wall = Instant.now();
                    firstAt.compareAndSet(0, now);
                    lastAt.set(now);
                    // each update: count it and how long since its event was published ("at")
                    int from = 0;
                    int i;
                    while ((i = m.indexOf("\"type\":\"motion\"", from)) >= 0) {
                        motion.incrementAndGet();
                        int a = m.indexOf("\"at\":\"", i);
                        if (a >= 0) {
                            Instant at = Instant.parse(m.substring(a + 6, m.indexOf('"', a + 6)));
                            latencies.add(ChronoUnit.MICROS.between(at, wall) / 1000.0);
                        }
                        from = i + 10;
                    }
                }
            }
            return null;
        }
    }

    static long rows(String jdbcUrl, String site) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, EmbeddedPostgresServer.SUPERUSER, "");
                ResultSet rs = c.createStatement().executeQuery("select to_regclass('events.motion_events')")) {
            rs.next();
            if (rs.getString(1) == null) {
                return 0; // the event service has not created its schema yet
            }
        }
        try (Connection c = DriverManager.getConnection(jdbcUrl, EmbeddedPostgresServer.SUPERUSER, "");
                ResultSet rs = c.createStatement().executeQuery("select count(*) from events.motion_events where "
                        + "site = '" + site + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static Process start(String service, int port, int managementPort, Map<String, String> env, Path work)
            throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Path jar = root.resolve(service + "/target/quarkus-app/quarkus-run.jar");
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
                "-XX:+UseSerialGC", "-jar", jar.toString()).redirectErrorStream(true)
                .redirectOutput(work.resolve(service + ".log").toFile());
        pb.environment().putAll(env);
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        pb.environment().put("QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort));
        return pb.start();
    }



}
