package org.vigil.devstack.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * The embedded Kafka, PostgreSQL and Redis behind {@code ./vigil up}; each is started only when no external address
 * was given. Data lives under {@code home} and is kept across runs.
 */
public final class DevStack implements AutoCloseable {

    /**
     * What to start; a {@code null} port means "external, do not start". {@code kafkaWan}: a second Kafka listener
     * for central's site-link ({@link EmbeddedKafka}'s {@code wan}), or null; {@code kafkaWanSecurity}: how that
     * listener is secured (null: not at all).
     */
    public record Plan(Path home, Integer kafkaPort, Integer kafkaControllerPort, Integer postgresPort, Integer redisPort,
            String kafkaBootstrap, Duration mediaRetention, String kafkaWan, WanSecurity kafkaWanSecurity) {
    }

    private final Plan plan;
    private final ChildProcesses children;
    private final Consumer<String> progress;
    private final List<AutoCloseable> started = new ArrayList<>();

    public DevStack(Plan plan, ChildProcesses children, Consumer<String> progress) {
        this.plan = plan;
        this.children = children;
        this.progress = progress;
    }

    public void start() throws Exception {
        Path logs = plan.home().resolve("logs");
        Files.createDirectories(logs);
        CompletableFuture<Void> kafka = CompletableFuture.runAsync(() -> {
            if (plan.kafkaPort() != null) {
                EmbeddedKafka k = new EmbeddedKafka(plan.home().resolve("kafka"), plan.kafkaPort(),
                        plan.kafkaControllerPort(), plan.kafkaWan(), null, plan.kafkaWanSecurity());
                timed("kafka", "127.0.0.1:" + plan.kafkaPort(), () -> k.start(), k);
                if (plan.kafkaWan() != null) {
                    progress.accept(String.format("  %-18s %-28s %s", "kafka for central", plan.kafkaWan()
                            .substring(0, plan.kafkaWan().indexOf('@')), "advertised as " + plan.kafkaWan()
                                    .substring(plan.kafkaWan().indexOf('@') + 1) + (plan.kafkaWanSecurity() == null
                                            ? ", not secured" : ", TLS and SCRAM")));
                }
            }
        });
        CompletableFuture<Void> postgres = CompletableFuture.runAsync(() -> {
            if (plan.postgresPort() != null) {
                EmbeddedPostgresServer pg = new EmbeddedPostgresServer(plan.home().resolve("postgres"),
                        plan.postgresPort(), logs.resolve("postgres.log"));
                timed("postgres", "127.0.0.1:" + plan.postgresPort(), () -> pg.start(), pg);
            }
        });
        CompletableFuture<Void> redis = CompletableFuture.runAsync(() -> {
            if (plan.redisPort() != null) {
                EmbeddedRedisServer r = new EmbeddedRedisServer(plan.home().resolve("redis"), plan.redisPort(),
                        logs.resolve("redis.log"), children);
                timed("redis", "127.0.0.1:" + plan.redisPort(), () -> r.start(), r);
            }
        });
        try {
            CompletableFuture.allOf(kafka, postgres, redis).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
        long t0 = System.nanoTime();
        List<String> created = TopicAdmin.ensureTopics(plan.kafkaBootstrap(), (short) 1, plan.mediaRetention(),
                Duration.ofSeconds(60));
        progress.accept(String.format("  %-18s %-28s %s", "topics", created.isEmpty() ? "all present"
                : created.size() + " created", "ready (" + seconds(t0) + ")"));
    }

    private interface Starter {
        void start() throws IOException;
    }

    private void timed(String name, String address, Starter starter, AutoCloseable server) {
        long t0 = System.nanoTime();
        try {
            starter.start();
        } catch (IOException e) {
            throw new CompletionException(new IOException(name + " did not start: " + e.getMessage(), e));
        }
        synchronized (started) {
            started.add(server);
        }
        progress.accept(String.format("  %-18s %-28s %s", name, "embedded " + address, "ready (" + seconds(t0) + ")"));
    }

    /** The started servers that run as processes of their own (Redis, PostgreSQL), for the launcher to supervise. */
    public List<Restartable> restartable() {
        synchronized (started) {
            return started.stream().filter(Restartable.class::isInstance).map(Restartable.class::cast).toList();
        }
    }

    static String seconds(long t0) {
        return String.format("%.1f s", (System.nanoTime() - t0) / 1e9);
    }

    @Override
    public void close() {
        List<AutoCloseable> copy;
        synchronized (started) {
            copy = new ArrayList<>(started);
            started.clear();
        }
        for (int i = copy.size() - 1; i >= 0; i--) {
            try {
                copy.get(i).close();
            } catch (Exception e) {
                progress.accept("  could not stop " + copy.get(i).getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
    }
}
