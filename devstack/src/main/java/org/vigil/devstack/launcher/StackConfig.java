package org.vigil.devstack.launcher;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where everything runs, read from the environment. Every port can be overridden; an external Kafka, PostgreSQL or
 * Redis replaces the embedded one when its address is set.
 *
 * @param root       the repository (or distribution) root holding the service modules
 * @param home       VIGIL_HOME: data, logs and keys; {@code <root>/.vigil} by default
 * @param services   the six services, gateway first
 * @param bindHost   the address the gateway listens on (VIGIL_BIND); backends always listen on 127.0.0.1
 */
public record StackConfig(
        Path root,
        Path home,
        List<Service> services,
        String bindHost,
        int kafkaPort,
        int kafkaControllerPort,
        int postgresPort,
        int redisPort,
        Optional<String> externalKafka,
        Optional<String> externalDatabaseUrl,
        Optional<String> externalRedisUrl,
        Map<String, String> env) {

    /**
     * A service, the port it listens on, and the port of its management interface (health, metrics), which only
     * ever listens on loopback here.
     */
    public record Service(String name, int port, int managementPort) {
        public Path jar(Path root) {
            return root.resolve(name).resolve("target/quarkus-app/quarkus-run.jar");
        }
    }

    public static StackConfig fromEnvironment(Map<String, String> env) {
        Path root = Optional.ofNullable(env.get("VIGIL_ROOT")).map(Path::of).orElseGet(StackConfig::rootFromJar);
        Path home = Optional.ofNullable(env.get("VIGIL_HOME")).map(Path::of).orElse(root.resolve(".vigil"))
                .toAbsolutePath().normalize();
        List<Service> services = List.of(
                service(env, "gateway", "GATEWAY", 8080),
                service(env, "capture-service", "CAPTURE", 8081),
                service(env, "recorder-service", "RECORDER", 8082),
                service(env, "event-service", "EVENT", 8083),
                service(env, "export-service", "EXPORT", 8084),
                service(env, "retention-service", "RETENTION", 8085));
        return new StackConfig(root.toAbsolutePath().normalize(), home, services,
                env.getOrDefault("VIGIL_BIND", "127.0.0.1"),
                port(env, "KAFKA_PORT", 19092), port(env, "KAFKA_CONTROLLER_PORT", 19093),
                port(env, "POSTGRES_PORT", 15432), port(env, "REDIS_PORT", 16379),
                nonBlank(env.get("KAFKA_BOOTSTRAP_SERVERS")), nonBlank(env.get("DATABASE_URL")),
                nonBlank(env.get("REDIS_URL")), Map.copyOf(env));
    }

    /** {@code <PREFIX>_PORT} (default {@code port}) and {@code <PREFIX>_MANAGEMENT_PORT} (default port + 1000). */
    private static Service service(Map<String, String> env, String name, String prefix, int port) {
        int p = port(env, prefix + "_PORT", port);
        return new Service(name, p, port(env, prefix + "_MANAGEMENT_PORT", port + 1000));
    }

    public Service gateway() {
        return services.get(0);
    }

    public String kafkaBootstrap() {
        return externalKafka.orElse("127.0.0.1:" + kafkaPort);
    }

    public String databaseUrl() {
        return externalDatabaseUrl.orElse("postgresql://127.0.0.1:" + postgresPort + "/vigil");
    }

    public String redisUrl() {
        return externalRedisUrl.orElse("redis://127.0.0.1:" + redisPort);
    }

    public Path logs() {
        return home.resolve("logs");
    }

    public Path run() {
        return home.resolve("run");
    }

    private static Optional<String> nonBlank(String s) {
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s.trim());
    }

    private static int port(Map<String, String> env, String name, int fallback) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            int p = Integer.parseInt(v.trim());
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new LaunchException(name + "=" + v + " is not a port number (1-65535).");
        }
    }

    /** The launcher jar lives in {@code <root>/devstack/target/}. */
    private static Path rootFromJar() {
        try {
            Path jar = Path.of(StackConfig.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path candidate = jar.getParent().getParent().getParent();
            if (candidate != null && Files.exists(candidate.resolve("gateway"))) {
                return candidate;
            }
            return Path.of("").toAbsolutePath();
        } catch (URISyntaxException e) {
            return Path.of("").toAbsolutePath();
        }
    }
}
